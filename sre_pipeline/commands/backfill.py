"""``sre-pipeline backfill``: back-fill the daily assets without the Dagster daemon.

The same runs a UI back-fill launches (chunks of up to 14 days, collection before status, runs
of the code location's asset job recorded in the Dagster instance), executed in this process
with a progress bar. Resumable: days already complete are skipped unless ``--force``.
"""

from __future__ import annotations

import os
import sys
from datetime import date, timedelta
from pathlib import Path

from sre_pipeline.commands import UsageError

EXIT_FAILED = 1
START_ENV = "SRE_PIPELINE_START_DATE"


def _instance_home() -> Path:
    """``$DAGSTER_HOME``, or the pipeline home's ``dagster`` folder (as the demo uses)."""
    from sre_pipeline.warehouse.engine import pipeline_home

    home = Path(os.environ.get("DAGSTER_HOME") or pipeline_home() / "dagster")
    home.mkdir(parents=True, exist_ok=True)
    instance = home / "dagster.yaml"
    if not instance.exists():  # a new instance: Dagster's defaults, without the telemetry banner
        instance.write_text("telemetry:\n  enabled: false\n")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def _check_range(start: date, end: date, first_partition: date | None, today: date) -> None:
    if end <= start:
        raise UsageError(
            f"--end: {end} is not after --start {start}; expected a later day "
            "(--end is the first day after the range)"
        )
    if end > today + timedelta(days=1):
        raise UsageError(
            f"--end: {end} is in the future; expected at most {today + timedelta(1)} "
            "(the last partition is today)"
        )
    if first_partition is not None and start < first_partition:
        raise UsageError(
            f"--start: {start} is before the configured start_date "
            f"{first_partition}; expected a later day, or move start_date"
        )


def run(args) -> int:
    """Plan the runs, run them, and say what was done, skipped or failed."""
    import pandas as pd
    from tqdm import tqdm

    from sre_pipeline.config import load_config
    from sre_pipeline.defs.backfill import (
        DAILY_ASSETS,
        Completeness,
        in_one_run,
        phases_for,
        plan,
        run_plan,
    )
    from sre_pipeline.defs.factory import preflight
    from sre_pipeline.defs.upstream_warnings import ignore_expected

    ignore_expected()
    assets = list(dict.fromkeys(args.assets or DAILY_ASSETS))
    unknown = [a for a in assets if a not in DAILY_ASSETS]
    if unknown:
        raise UsageError(
            f"--assets: unknown asset(s) {', '.join(unknown)}; expected some of "
            f"{', '.join(DAILY_ASSETS)}"
        )
    config = load_config()
    if config.executor.type == "in_process":
        from sre_pipeline.quality import gx_worker

        gx_worker.start()  # GX imports on the other core while Dagster loads and runs start
    catalog = preflight(config)  # bad specs or capacity file: exit 2, nothing created
    today = pd.Timestamp.now(tz=config.time_zone).date()
    start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    _check_range(start, end, config.start_date, today)
    if config.start_date is None:  # partitions must reach back to --start in this process
        os.environ[START_ENV] = start.isoformat()
    import dagster as dg

    from sre_pipeline.defs.runner import LocalRunner

    _instance_home()
    days = [start + timedelta(days=n) for n in range((end - start).days)]
    with dg.DagsterInstance.get() as instance:
        runner = LocalRunner(instance, verbose=args.verbose)
        # specs, capacity file, the source's plan or secrets: exit 2, nothing run
        runner.resources()["source"].preflight(catalog)
        complete = Completeness(instance, config.time_zone, pd.Timestamp.now(tz="UTC"))
        chunks = plan(phases_for(assets, days), complete, args.force)
        phases = [(selected, ds) for selected, ds in phases_for(assets, days) if selected]
        skipped = sum(len(ds) for _, ds in phases) - sum(c.days for c in chunks)
        if not chunks:
            print(
                f"Nothing to do: every day of {start}..{end - timedelta(1)} is "
                "complete (--force re-runs them)."
            )
            return 0
        # the daily assets compute from the stored catalog: the first run stores the specs as
        # they are now; a range within one chunk (the daily run) is a single run
        runs = in_one_run(chunks, first=["slo_catalog"])
        bar = tqdm(
            total=sum(c.days for c in runs),
            unit="day",
            file=sys.stderr,
            disable=not sys.stderr.isatty(),
        )

        def done(chunk, outcome) -> None:
            bar.update(chunk.days)
            state = "ok" if outcome.success else "FAILED"
            tqdm.write(
                f"{chunk.label()}: {state} in {outcome.seconds:.1f} s (run {outcome.run_id})",
                file=sys.stderr,
            )

        ran = run_plan(runner, runs, on_done=done, whole_days=args.force)
        bar.close()
    failed = [(c, o) for c, o in ran if not o.success]
    if failed:
        chunk, outcome = failed[0]
        print(f"error: {chunk.label()} failed: {outcome.failure}", file=sys.stderr)
        left = len(runs) - len(ran)
        later = f"{left} later run(s) not started; " if left else ""
        print(
            f"{later}re-run the same command to resume (complete days are skipped).",
            file=sys.stderr,
        )
        return EXIT_FAILED
    done = "; ".join(
        f"{', '.join(selected)}: {sum(c.days for c in chunks if c.assets == tuple(selected))} "
        "day(s)"
        for selected, _ in phases
    )
    print(f"Back-filled in {len(runs)} run(s): {done}; {skipped} complete day(s) skipped.")
    return 0
