"""Checks of flag values shared by the sub-commands.

Each check raises a :class:`UsageError` worded ``--flag: what is wrong; expected what works``,
so that ``sre-pipeline`` prints one line and exits with 2 before doing any work. They run in
the command rather than as argparse ``type=`` functions because argparse would print its usage
block too, and because some values only exist after the environment has been read
(``PROMETHEUS_URL``, ``PROMETHEUS_CA_BUNDLE``).
"""

from __future__ import annotations

import math
import os
import re
import ssl
from pathlib import Path

import httpx

from sre_pipeline.commands import UsageError

URL_EXPECTED = "expected http(s)://host[:port][/path], e.g. http://prometheus:9090"


def positive_number(flag: str, value: float, expected: str) -> float:
    """``value`` when it is a finite number above zero."""
    if not (math.isfinite(value) and value > 0):
        raise UsageError(f"{flag}: {value:g} is not a positive number; expected {expected}")
    return value


def positive_int(flag: str, value: int, expected: str) -> int:
    """``value`` when it is at least 1."""
    if value < 1:
        raise UsageError(f"{flag}: {value} is less than 1; expected {expected}")
    return value


def http_url(flag: str, text: str) -> str:
    """``text`` when it is an absolute http(s) URL with a host and a valid port (credentials
    in it are never echoed)."""
    problem = _url_problem(text)
    if problem:
        shown = _without_password(text)
        raise UsageError(f"{flag}: '{shown}' {problem}; {URL_EXPECTED}")
    return text


def _url_problem(text: str) -> str | None:
    if any(c.isspace() for c in text):
        return "contains white space"
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as exc:
        return f"is not a URL ({exc})"
    if url.scheme not in ("http", "https"):
        return "is not an http(s) URL"
    if not url.host:
        return "has no host"
    if url.port is not None and not 0 < url.port < 65536:
        return f"has port {url.port}, outside 1-65535"
    return None


def _without_password(text: str) -> str:
    return re.sub(r"(?<=://)[^/@]*@", "***@", text)


def ca_bundle(flag: str, path: str) -> str:
    """``path`` when it is a readable PEM file of CA certificates, or a directory of them."""
    expected = "expected a PEM file of CA certificates (or a directory of hashed certificates)"
    if os.path.isdir(path):
        return path
    if not os.path.isfile(path):
        raise UsageError(f"{flag}: no such file '{path}'; {expected}")
    try:
        ssl.create_default_context(cafile=path)
    except (ssl.SSLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc.strerror or str(exc)
        raise UsageError(f"{flag}: cannot load '{path}' ({reason}); {expected}") from None
    return path


def output_file(flag: str, path: str) -> str:
    """``path`` when a file can be written there: its directory exists and it is no directory."""
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{flag}: '{path}' is a directory; expected a file name")
    parent = target.parent
    if not parent.is_dir():
        raise UsageError(
            f"{flag}: directory '{parent}' does not exist; expected a file in an existing "
            "directory (create it first)"
        )
    if not os.access(parent, os.W_OK):
        raise UsageError(f"{flag}: directory '{parent}' is not writable; expected a writable one")
    return path
