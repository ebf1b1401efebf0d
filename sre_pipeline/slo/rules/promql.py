"""PromQL templates for each SLI kind (the queries the collector runs and the rules export).

Latency SLIs match the histogram bucket whose ``le`` equals the threshold however the exporter
wrote it: ``0.3``, ``0.30`` and ``0.300`` are one bucket, as are ``1`` and ``1.0``, because
``le`` is a label (a string), not a number, and client libraries format it differently.
"""

from __future__ import annotations

import re
from decimal import Decimal

from sre_pipeline.inputs.promql import PLACEHOLDER
from sre_pipeline.slo.model import SLI


def le_regex(threshold: float) -> str:
    """Regex matching every decimal spelling of ``threshold`` (trailing zeros optional)."""
    text = format(Decimal(repr(float(threshold))).normalize(), "f")
    if "." in text:
        return re.escape(text) + "0*"
    return re.escape(text) + r"(\.0*)?"


def _selector(matchers: tuple[str, ...], *extra: str) -> str:
    return "{" + ",".join((*matchers, *extra)) + "}"


def sli_templates(sli: SLI) -> dict[str, str]:
    """Query templates by role (``good``/``bad``, ``total``, ``error_ratio``) for an SLI.

    Every template still holds ``{{ .window }}``; the collector renders it per bucket.
    """
    if sli.kind == "events":
        roles = {"good": sli.good_query, "bad": sli.bad_query, "total": sli.total_query}
        return {k: v for k, v in roles.items() if v}
    if sli.kind == "latency":
        # a PromQL double-quoted string takes Go escapes: the regex's backslash is doubled
        le = 'le=~"' + le_regex(sli.threshold).replace("\\", "\\\\") + '"'
        bucket = f"{sli.metric}_bucket{_selector(sli.matchers, le)}"
        count = f"{sli.metric}_count{_selector(sli.matchers)}"
        return {
            "good": f"sum(increase({bucket}[{PLACEHOLDER}]))",
            "total": f"sum(increase({count}[{PLACEHOLDER}]))",
        }
    if sli.kind == "probe":
        return {
            # a plain selector over a range: each sample counts once, no subquery resolution
            "good": f"sum(sum_over_time({sli.probe_query}[{PLACEHOLDER}]))",
            "total": f"sum(count_over_time({sli.probe_query}[{PLACEHOLDER}]))",
        }
    return {"error_ratio": sli.error_ratio_query}
