"""Names, labels and number formats shared by the rule export and the SLO plugins: Sloth's
metric names and id labels, and exact decimal literals for objectives and budgets."""

from __future__ import annotations

import re
from decimal import Decimal

from sre_pipeline.slo.model import SLO

SLI_ERROR = "slo:sli_error:ratio_rate"
ID_LABELS = ("sloth_id", "sloth_service", "sloth_slo")
_INVALID_LABEL_CHARS = re.compile(r"[^a-zA-Z0-9_]")


def exact(value: float) -> Decimal:
    """A float as the decimal it was written as (``0.999``, not its binary neighbour)."""
    return Decimal(repr(float(value)))


def number_text(value: Decimal) -> str:
    """A decimal without binary noise or exponent: ``0.001``, ``99.9``, ``30``."""
    return format(value.normalize(), "f")


def percent_text(slo: SLO) -> str:
    """The objective in percent, ``99.9``."""
    return number_text(exact(slo.objective) * 100)


def budget_text(slo: SLO) -> str:
    """The error budget ``1 - objective`` as an exact decimal literal, ``0.001``."""
    return number_text(1 - exact(slo.objective))


def label_name(key: str) -> str:
    """A valid Prometheus label name for ``key`` (invalid characters become ``_``)."""
    name = _INVALID_LABEL_CHARS.sub("_", key) or "_"
    if name[0].isdigit():
        name = "_" + name
    return re.sub(r"^__+", "_", name)  # names starting with __ are reserved


def slo_labels(slo: SLO) -> dict[str, str]:
    """Sloth's id labels plus the SLO's own labels (sanitised; on a clash the first key in
    sorted order wins; the sloth_* labels always win)."""
    out: dict[str, str] = {}
    for key in sorted(slo.labels):
        out.setdefault(label_name(key), str(slo.labels[key]))
    out.update(sloth_id=slo.id, sloth_service=slo.service, sloth_slo=slo.name)
    return dict(sorted(out.items()))


def selector(slo: SLO) -> str:
    """``{sloth_id="...", sloth_service="...", sloth_slo="..."}`` as Sloth writes it."""
    ids = slo_labels(slo)
    quoted = {k: ids[k].replace("\\", "\\\\").replace('"', '\\"') for k in ID_LABELS}
    return "{" + ", ".join(f'{k}="{v}"' for k, v in quoted.items()) + "}"
