"""PromQL as text: the ``{{ .window }}`` placeholder of query templates, plain selectors, and
the parse check every query of a spec or capacity file gets.

Every query is parsed with ``promql-parser`` (the Rust parser that follows Prometheus's grammar)
once its placeholder is filled in, so a typo is an error with its file and line, not a failed
collection or a rule file Prometheus refuses.
"""

from __future__ import annotations

import re

import promql_parser

PLACEHOLDER = "{{ .window }}"
WINDOW = re.compile(r"\{\{\s*\.window\s*\}\}")
SELECTOR = re.compile(r"^\s*[a-zA-Z_:][\w:]*\s*(\{[^{}]*\})?\s*$")
CHECK_WINDOW = "5m"  # any valid duration: the placeholder only ever stands for one
PROMQL_EXPECTED = "a PromQL expression such as sum(rate(http_requests_total[{{ .window }}]))"


def is_selector(query: str) -> bool:
    """True for a plain series selector such as ``probe_success{job="blackbox"}``."""
    return bool(SELECTOR.match(query))


def render(template: str, window: str) -> str:
    """Replace every ``{{ .window }}`` (any spacing) with a Prometheus duration like ``5m``."""
    return WINDOW.sub(window, template)


def promql_error(query: str) -> str | None:
    """Why ``query`` (a template: its ``{{ .window }}`` is filled in first) is not PromQL, or
    None when it parses."""
    try:
        promql_parser.parse(render(query, CHECK_WINDOW))
    except ValueError as exc:
        return str(exc) or "invalid PromQL"
    return None


_PAIRS = {")": "(", "]": "[", "}": "{"}


def metricsql_error(query: str) -> str | None:
    """Why ``query`` cannot be MetricsQL, or None. No Python parser of VictoriaMetrics'
    dialect exists, so this checks its structure only (not empty, brackets balanced outside
    strings); VictoriaMetrics itself reports anything else when the query runs."""
    text = render(query, CHECK_WINDOW)
    if not text.strip():
        return "the query is empty"
    stack: list[str] = []
    quote = ""
    escaped = False
    for c in text:
        if quote:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == quote:
                quote = ""
        elif c in "\"'`":
            quote = c
        elif c in "([{":
            stack.append(c)
        elif c in _PAIRS:
            if not stack or stack.pop() != _PAIRS[c]:
                return f"unbalanced '{c}'"
    if quote:
        return f"unterminated string {quote}"
    return f"unclosed '{stack[-1]}'" if stack else None
