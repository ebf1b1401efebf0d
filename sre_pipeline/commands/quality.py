"""``sre-pipeline quality``: the data-quality section of a week's review, from the warehouse.

The configuration is the code location's (``sre_pipeline.yaml`` / ``SRE_PIPELINE_CONFIG``,
``SRE_PIPELINE_WAREHOUSE_URL``). Exit code 0 when every blocking check passes, 1 when one
fails or the period has no SLI events at all (so a script can gate on it), 2 for unusable
input (no warehouse there, or one at another schema version; nothing is created or upgraded).
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta

from sre_pipeline.commands.stored import chosen_week, existing_warehouse
from sre_pipeline.config import load_config
from sre_pipeline.quality.report import inputs_from_config, quality_report


def _week(text: str | None, time_zone: str) -> list[date]:
    monday = chosen_week(text, time_zone)
    return [monday + timedelta(days=i) for i in range(7)]


def run(args) -> int:
    """Validate the week's data and print the section (Markdown or JSON)."""
    config = load_config()
    days = _week(args.week, config.time_zone)
    inputs = inputs_from_config(config)
    engine = existing_warehouse(config.warehouse_url)
    try:
        report = quality_report(engine, inputs, days)
    finally:
        engine.dispose()
    if report.events_rows == 0:
        print(
            f"error: no SLI events stored for {days[0]}..{days[-1]} in {engine.url!r}; "
            "is this the pipeline's warehouse?",
            file=sys.stderr,
        )
        return 1
    if args.format == "json":
        print(
            json.dumps(
                {
                    "week_start": days[0].isoformat(),
                    "summary": report.summary(),
                    "check_runs": len(report.runs),
                    "failed": [
                        {"suite": r.suite, "scope": r.scope, "errors": list(r.errors)}
                        for r in report.failed
                    ],
                    "warnings": [
                        {"suite": r.suite, "scope": r.scope, "warnings": list(r.warnings)}
                        for r in report.warned
                    ],
                    "low_coverage": [
                        {"slo": r.slo, "worst": round(r.worst, 4), "days": int(r.days)}
                        for r in report.low_coverage.itertuples()
                    ],
                    "partial_data": report.rests_on_partial_data,
                },
                indent=2,
            )
        )
    else:
        print(report.markdown())
    return 1 if report.failed else 0
