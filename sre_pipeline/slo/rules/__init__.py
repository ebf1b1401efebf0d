"""Prometheus recording and alerting rules from the catalog (``sre-pipeline export-rules``),
Sloth-compatible: SLI ratios per window, the multiwindow burn-rate alerts, metadata."""

from sre_pipeline.slo.rules.export import build_rules, rules_yaml
from sre_pipeline.slo.rules.promql import sli_templates

__all__ = ["build_rules", "rules_yaml", "sli_templates"]
