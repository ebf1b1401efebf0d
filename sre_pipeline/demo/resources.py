"""The demo's resources: generated SLI and capacity history, and the example postmortems moved
to the demo's end. The demo's code location (:mod:`sre_pipeline.demo.definitions`) passes them
to the same definitions factory production uses; production never imports this package, so a
deployment that forgot ``prometheus.url`` fails its collection instead of storing made-up data.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pandas as pd

from sre_pipeline.config import ConfigIn, PipelineConfig
from sre_pipeline.defs.factory import prometheus_source
from sre_pipeline.defs.resources import IncidentSource, PostmortemSource, SLISource
from sre_pipeline.demo.history import generate_events, simulate_capacity
from sre_pipeline.demo.plan import check_plan, load_plan
from sre_pipeline.incidents.model import Incident
from sre_pipeline.incidents.postmortems import PostmortemSet, load_postmortems
from sre_pipeline.inputs.problems import SpecError
from sre_pipeline.sources.capacity import CapacityResult
from sre_pipeline.sources.collector import CollectResult


def _utc(value: str | None) -> pd.Timestamp:
    """``value`` (ISO date or instant; default: the start of today, UTC) as a UTC instant."""
    ts = pd.Timestamp(value) if value else pd.Timestamp.now(tz="UTC").floor("D")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


class DemoSLISource(SLISource):
    """The embedded demo history (``examples/demo.yaml``), anchored at ``anchor`` (ISO date;
    default: today, UTC) so scenarios land in the recent past."""

    plan_path: str = ConfigIn.model_fields["demo_plan"].default
    anchor: str | None = None

    def preflight(self, catalog) -> None:
        """A plan naming an SLO the catalog lacks raises :class:`SpecError`."""
        problems = check_plan(load_plan(self.plan_path), catalog.slos)
        if problems:
            raise SpecError(problems)

    def events(self, slos, start, end, width) -> CollectResult:
        """Generated counts: the same for the same buckets, whatever the range. A plan naming
        an SLO the catalog lacks fails first (SpecError), before anything is generated."""
        plan = load_plan(self.plan_path)
        problems = check_plan(plan, slos)
        if problems:
            raise SpecError(problems)
        days = (end - start) / pd.Timedelta(days=1)
        frame = generate_events(
            slos, end, days=days, plan=plan, width=width, anchor=_utc(self.anchor)
        )
        return CollectResult(events=frame, queries=0)

    def capacity(self, resources, start, end) -> CapacityResult:
        """Generated capacity gauges."""
        plan = load_plan(self.plan_path)
        return CapacityResult(simulate_capacity(resources, start, end, plan, _utc(self.anchor)))


def shift_incidents(incidents: list[Incident], days: int) -> list[Incident]:
    """``incidents`` with every time and date moved by ``days`` whole days (the examples are
    written in UTC, so whole days in UTC are whole local days)."""
    delta = timedelta(days=days)

    def move(value):
        return None if value is None else value + delta

    times = ("started_at", "detected_at", "acknowledged_at", "resolved_at")
    return [
        dataclasses.replace(
            incident,
            **{k: move(getattr(incident, k)) for k in times},
            postmortem_published_at=move(incident.postmortem_published_at),
            action_items=tuple(
                dataclasses.replace(
                    item,
                    created_at=move(item.created_at),
                    due_date=move(item.due_date),
                    completed_at=move(item.completed_at),
                )
                for item in incident.action_items
            ),
        )
        for incident in incidents
    ]


class DemoPostmortemSource(IncidentSource):
    """The demo plan's example postmortems, written for a demo ending on ``authored_for`` (ISO
    date), moved by whole days to the demo's end ``anchor`` (default: today, UTC) like the
    scenarios they describe."""

    paths: list[str]
    authored_for: str
    anchor: str | None = None

    def days(self) -> int:
        """How many days the postmortems' times move."""
        return (_utc(self.anchor).date() - pd.Timestamp(self.authored_for).date()).days

    def incidents(self, time_zone: str) -> PostmortemSet:
        """The example incidents, moved to the demo's end."""
        loaded = load_postmortems(self.paths, time_zone)
        loaded.incidents = shift_incidents(loaded.incidents, self.days())
        return loaded


def demo_resources(config: PipelineConfig) -> dict:
    """The demo's SLI source (its generated history, or Prometheus when the demo back-filled
    one) and incident source (the plan's example postmortems unless the configuration names
    postmortems), to pass to :func:`~sre_pipeline.defs.factory.build_defs`."""
    anchor = config.demo_anchor.isoformat() if config.demo_anchor else None
    if config.prometheus is not None:
        source: SLISource = prometheus_source(config)
    else:
        source = DemoSLISource(plan_path=config.demo_plan, anchor=anchor)
    plan = load_plan(config.demo_plan)
    if config.postmortems is not None:
        incidents: IncidentSource = PostmortemSource(paths=config.postmortems)
    elif plan.postmortems is not None:
        incidents = DemoPostmortemSource(
            paths=[str(plan.postmortems)],
            authored_for=plan.postmortems_authored_for.isoformat(),
            anchor=anchor,
        )
    else:
        incidents = PostmortemSource(paths=[])
    return {"source": source, "incident_source": incidents}
