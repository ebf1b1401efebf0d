"""``sre-pipeline quality``: the data-quality section of a week's review, from the warehouse.

The configuration is the code location's (``sre_pipeline.yaml`` / ``SRE_PIPELINE_CONFIG``,
``SRE_PIPELINE_WAREHOUSE_URL``). Exit code 0 when every blocking check passes, 1 when one
fails (so a script can gate on it), 2 for unusable input.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd

from sre_pipeline.commands import UsageError
from sre_pipeline.config import load_config
from sre_pipeline.quality.report import quality_inputs, quality_report
from sre_pipeline.slo.daily import week_start
from sre_pipeline.slo.loader import load_catalog
from sre_pipeline.sources.capacity import load_resources
from sre_pipeline.warehouse.engine import make_engine
from sre_pipeline.warehouse.migrate import upgrade


def _week(text: str | None, time_zone: str) -> list[date]:
    if text:
        try:
            monday = week_start(date.fromisoformat(text))
        except ValueError:
            raise UsageError(f"--week {text!r} is not a date; expected YYYY-MM-DD") from None
    else:  # the last complete week where the team is
        monday = week_start(pd.Timestamp.now(tz=time_zone).date()) - timedelta(days=7)
    return [monday + timedelta(days=i) for i in range(7)]


def run(args) -> int:
    """Validate the week's data and print the section (Markdown or JSON)."""
    config = load_config()
    days = _week(args.week, config.time_zone)
    catalog = load_catalog(config.slos)
    resources = load_resources(config.capacity) if config.capacity else []
    inputs = quality_inputs(catalog, resources, config.bucket_minutes, config.time_zone,
                            config.coverage_threshold, config.freshness_minutes)  # fmt: skip
    engine = make_engine(config.warehouse_url)
    try:
        upgrade(engine)
        report = quality_report(engine, inputs, days)
    finally:
        engine.dispose()
    if args.format == "json":
        print(json.dumps({
            "week_start": days[0].isoformat(),
            "summary": report.summary(),
            "check_runs": len(report.runs),
            "failed": [{"suite": r.suite, "scope": r.scope, "errors": list(r.errors)}
                       for r in report.failed],
            "warnings": [{"suite": r.suite, "scope": r.scope, "warnings": list(r.warnings)}
                         for r in report.warned],
            "low_coverage": [{"slo": r.slo, "worst": round(r.worst, 4), "days": int(r.days)}
                             for r in report.low_coverage.itertuples()],
            "partial_data": report.rests_on_partial_data,
        }, indent=2))  # fmt: skip
    else:
        print(report.markdown())
    return 1 if report.failed else 0
