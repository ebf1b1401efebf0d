"""SLOs: the validated model every part reads (:class:`SLO`), its periods, alert window sets and
error-budget policy tiers. Sub-packages: ``spec`` (the formats they are written in),
``budget`` (the math), ``rules`` (Prometheus rule export), ``exchange`` (CLI formats)."""

from sre_pipeline.slo.model import SLI, SLO, AlertMeta, Budgeting, Source
from sre_pipeline.slo.periods import Period
from sre_pipeline.slo.policy import PolicyTier, tier_for
from sre_pipeline.slo.windows import WindowPair, preset_windows

__all__ = [
    "SLI",
    "SLO",
    "AlertMeta",
    "Budgeting",
    "Period",
    "PolicyTier",
    "Source",
    "WindowPair",
    "preset_windows",
    "tier_for",
]
