"""``sre-pipeline demo``: the example catalog evaluated on generated history, end to end.

Until the Dagster graph lands this is the main job: it generates 28 days of example counts,
evaluates every SLO, lists alert episodes and writes the results under the pipeline's home.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from sre_pipeline.slo.episodes import alert_episodes
from sre_pipeline.slo.evaluator import Evaluator
from sre_pipeline.slo.events_io import write_events_csv
from sre_pipeline.slo.loader import load_catalog
from sre_pipeline.slo.report import status_records, status_table
from sre_pipeline.sources.demo import generate_events

REPO_EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "slos"


def pipeline_home() -> Path:
    """``$SRE_PIPELINE_HOME`` or ``~/.sre_pipeline``."""
    return Path(os.environ.get("SRE_PIPELINE_HOME", Path.home() / ".sre_pipeline"))


def run(args) -> int:
    """Generate, evaluate, summarise and write ``events.csv``, ``status.json``, ``episodes.csv``."""
    paths = args.slos or [REPO_EXAMPLES]
    catalog = load_catalog(paths, sloth_period=args.sloth_period)
    end = pd.Timestamp.now(tz="UTC").floor("D")  # whole days: re-running today is idempotent
    # history reaches back over the longest SLO period so day one of the range is complete
    longest = max(s.period.nominal.days for s in catalog.slos) + 2
    events = generate_events(catalog.slos, end=end, days=max(args.days, longest))
    start = end - pd.Timedelta(days=args.days)
    evaluator = Evaluator(events, catalog.slos, start, end)
    status = evaluator.status(end)
    episodes = alert_episodes(evaluator)
    out = Path(args.output_dir) if args.output_dir else pipeline_home() / "demo"
    out.mkdir(parents=True, exist_ok=True)
    write_events_csv(events, out / "events.csv")
    (out / "status.json").write_text(json.dumps(status_records(status), indent=2, allow_nan=False))
    episodes.to_csv(out / "episodes.csv", index=False)

    print(
        f"{len(catalog.slos)} SLOs, {len(events):,} buckets, {start:%Y-%m-%d} to {end:%Y-%m-%d}\n"
    )
    print(status_table(status))
    at_risk = status[status["policy_tier"].isin(["exhausted", "incident_mode", "feature_freeze"])]
    print(f"\nAt risk: {', '.join(at_risk['slo']) or 'none'}")
    firing = status[status["alerts"].str.len() > 0]
    print(f"Alerts firing now: {', '.join(firing['slo']) or 'none'}")
    counts = episodes.groupby("severity").size().to_dict() if len(episodes) else {}
    print(
        f"Alert episodes in {args.days} days: {counts.get('page', 0)} page, "
        f"{counts.get('ticket', 0)} ticket"
    )
    print(f"\nWrote {out}/events.csv, status.json, episodes.csv")
    print(
        f"Re-check with: sre-pipeline evaluate --slos {' '.join(map(str, paths))} "
        f"--events {out}/events.csv --at {end:%Y-%m-%dT%H:%MZ}"
    )
    return 0
