"""The demo pipeline: the code location's own jobs for the example configuration, in process.

The demo writes its configuration into its home (``sre_pipeline.yaml``: the demo's end as the
demo source's "today", its first day as the first partition, a SQLite warehouse beside it) and
points ``SRE_PIPELINE_CONFIG`` at it, and a ``workspace.yaml`` loading the demo's code location
(:mod:`sre_pipeline.demo.definitions`). Its runs are runs of that code location, which
``dagster dev -w <home>/workspace.yaml`` loads with the same ``SRE_PIPELINE_CONFIG`` and
``DAGSTER_HOME``: the UI shows them under their jobs, with every partition filled, and
"Re-execute" reproduces them exactly.
"""

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

from sre_pipeline.config import REPO
from sre_pipeline.defs.runner import ASSET_JOB, CodeLocation, Progress, range_tags

EXAMPLES = REPO / "examples"
CONFIG_NAME = "sre_pipeline.yaml"
WEEKLY_ASSETS = ["incident_budget", "incident_alerts"]
LOCATION = CodeLocation("sre_pipeline.demo.definitions", "sre_pipeline.demo.definitions")


@dataclass(frozen=True)
class DemoHome:
    """Where the demo keeps its configuration, warehouse and Dagster storage."""

    root: Path

    @property
    def config(self) -> Path:
        """The demo's pipeline configuration."""
        return self.root / CONFIG_NAME

    @property
    def dagster(self) -> Path:
        """The demo's ``DAGSTER_HOME``."""
        return self.root / "dagster"

    @property
    def workspace(self) -> Path:
        """The Dagster workspace that loads the demo's code location."""
        return self.root / "workspace.yaml"

    @property
    def warehouse_url(self) -> str:
        """The demo's SQLite warehouse."""
        return f"sqlite:///{self.root / 'warehouse.db'}"

    def environment(self) -> dict[str, str]:
        """The variables under which Dagster (demo, UI, CLI) sees the demo's code location."""
        return {
            "SRE_PIPELINE_HOME": str(self.root),
            "SRE_PIPELINE_CONFIG": str(self.config),
            "DAGSTER_HOME": str(self.dagster),
            "SRE_PIPELINE_DEFINITIONS": LOCATION.module,  # `sre-pipeline backfill` runs here too
        }


def write_home(
    home: DemoHome, end: date, first_day: date, prometheus_url: str | None = None
) -> None:
    """Write the demo's configuration and a Dagster instance file (telemetry off)."""
    home.dagster.mkdir(parents=True, exist_ok=True)
    instance = home.dagster / "dagster.yaml"
    if not instance.exists():
        instance.write_text("telemetry:\n  enabled: false\n")
    config = {
        "slos": [str(EXAMPLES / "slos")],
        "capacity": str(EXAMPLES / "capacity.yaml"),
        "demo_plan": str(EXAMPLES / "demo.yaml"),
        "time_zone": "UTC",
        "start_date": first_day.isoformat(),
        "demo_anchor": end.isoformat(),
        "warehouse_url": home.warehouse_url,
        # the review goes to the file outbox under the home: nothing leaves the machine
        "email": {
            "from": "sre-pipeline@example.com",
            "to": ["reliability-review@example.com"],
            "team_addresses": {"payments": "payments-oncall@example.com"},
            "transport": "outbox",
        },
    }
    if prometheus_url:
        config["prometheus"] = {"url": prometheus_url}
    header = "# Written by `sre-pipeline demo`: the demo's own configuration.\n"
    home.config.write_text(header + yaml.safe_dump(config, sort_keys=False))
    workspace = {
        "load_from": [
            {"python_module": {"module_name": LOCATION.module, "working_directory": str(REPO)}}
        ]
    }
    header = "# Written by `sre-pipeline demo`: the demo's code location.\n"
    home.workspace.write_text(header + yaml.safe_dump(workspace, sort_keys=False))


def use_home(home: DemoHome) -> None:
    """Point this process's Dagster and pipeline at the demo's home."""
    os.environ.update(home.environment())
    os.environ.pop("SRE_PIPELINE_WAREHOUSE_URL", None)  # the demo's own file says where
    os.environ.pop("PROMETHEUS_URL", None)


class DemoFailed(Exception):
    """A run of the demo failed; the message names the run and what failed."""


def run_demo(
    end: date, days: int, lookback: int, verbose: bool = False, log: Progress = print
) -> dict[str, str]:
    """Catalog; collection of ``days`` days plus the status look-back; status and alert
    episodes of the last ``days`` days; incidents, each complete week's budget attribution and
    alert links, and the weekly marts. Returns run ids by
    step; raises :class:`DemoFailed` at the first failed run."""
    import dagster as dg

    from sre_pipeline.defs.backfill import PHASES, plan, run_plan
    from sre_pipeline.defs.runner import LocalRunner

    first_status = end - timedelta(days=days)
    first_collect = first_status - timedelta(days=lookback)
    last = end - timedelta(days=1)
    runs: dict[str, str] = {}
    with dg.DagsterInstance.get() as instance:
        runner = LocalRunner(instance, verbose=verbose, location=LOCATION)
        log("catalog: slo_catalog ...")
        _ok("catalog", runner.run(ASSET_JOB, asset_selection=["slo_catalog"]), runs, log)
        phase_days = [
            (list(PHASES[0]), _days(first_collect, last)),
            (list(PHASES[1]), _days(first_status, last)),
        ]
        chunks = plan(phase_days, lambda *_: False)
        for n, chunk in enumerate(chunks, 1):
            log(f"[{n}/{len(chunks)}] {chunk.label()} ...")
            ((_, outcome),) = run_plan(runner, [chunk])
            _ok(chunk.label(), outcome, runs, log)
        weeks = complete_weeks(first_status, end)
        if weeks:
            # incidents first: each week's budget and alert links read the stored incidents
            log("incidents: incidents, action items ...")
            _ok(
                "incidents",
                runner.run(ASSET_JOB, asset_selection=["incidents", "action_items"]),
                runs,
                log,
            )
            for monday in weeks[:-1]:
                log(f"week {monday}: incident_budget, incident_alerts ...")
                outcome = runner.run(
                    ASSET_JOB, range_tags(monday.isoformat(), monday.isoformat()), WEEKLY_ASSETS
                )
                _ok(f"week {monday}", outcome, runs, log)
            log(f"weekly job, week {weeks[-1]}: incidents, budget, alerts, SQL models ...")
            tags = range_tags(weeks[-1].isoformat(), weeks[-1].isoformat())
            _ok("weekly", runner.run("weekly_job", tags), runs, log)
        else:  # fewer days than a whole week: incidents and the marts, no weekly figures
            from sre_pipeline.warehouse.models import discover

            log("incidents and SQL models (no complete week in the range) ...")
            selection = ["incidents", "action_items", *discover().order()]
            _ok("weekly", runner.run(ASSET_JOB, asset_selection=selection), runs, log)
    return runs


def complete_weeks(first: date, end: date) -> list[date]:
    """The Mondays of the ISO weeks wholly inside ``[first, end)``: the weeks whose status
    the demo computed from start to end."""
    monday = first + timedelta(days=-first.weekday() % 7)
    weeks = []
    while monday + timedelta(days=7) <= end:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _ok(name: str, outcome, runs: dict, log: Progress) -> None:
    if not outcome.success:
        raise DemoFailed(f"{name} failed (run {outcome.run_id}):\n{outcome.failure}")
    runs[name] = outcome.run_id
    log(f"    done in {outcome.seconds:.1f} s ({len(outcome.steps)} steps)")
