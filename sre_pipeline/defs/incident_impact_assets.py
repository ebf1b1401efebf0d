"""Weekly incident figures: what each incident of the week cost (``incident_budget``) and the
week's alert episodes against the incidents (``incident_alerts``); the math is in
:mod:`sre_pipeline.incidents.weekly`.

Each week is a partition (an ISO week of the configured zone), so re-running a week replaces
exactly its rows and its metadata in the UI is that week's own.

No ``from __future__ import annotations``: Dagster reads the real annotations.
"""

from datetime import timedelta

import dagster as dg
import pandas as pd

from sre_pipeline.defs.collection_assets import catalog_or_fail
from sre_pipeline.defs.metadata import md_table, table_metadata
from sre_pipeline.defs.partitions import Partitioning, week_of
from sre_pipeline.defs.resources import PipelineSettings, WarehouseResource
from sre_pipeline.incidents.budget import POSTMORTEM_SHARE, needs_p0
from sre_pipeline.incidents.model import incidents_from_tables
from sre_pipeline.incidents.report import PARTIAL_SPAN
from sre_pipeline.incidents.weekly import alerts_week, budget_week, events_window
from sre_pipeline.inputs.instants import week_label
from sre_pipeline.slo.budget.daily import week_bounds
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.reads import read_episodes, read_events, read_slice
from sre_pipeline.warehouse.writes import Slice, replace_slices

P0_CHECK = "p0_postmortems"
EXPLAINED_CHECK = "alerts_explained"


def _week(context, settings: PipelineSettings):
    """The partition's Monday, its UTC bounds and the run's "now"."""
    week = week_of(context)
    return week, week_bounds(week, settings.time_zone), settings.now()


def _stored_incidents(engine, bounds):
    """Every stored incident (with its action items), and those that started in the week."""
    everything = incidents_from_tables(
        read_slice(engine, tables.incidents), read_slice(engine, tables.action_items)
    )
    mine = [i for i in everything if bounds[0] <= pd.Timestamp(i.started_at) < bounds[1]]
    return everything, mine


def _ranked(cost: pd.DataFrame) -> pd.DataFrame:
    """One row per incident, its worst-hit SLO first: what the review ranks by."""
    if cost.empty:
        return cost
    worst = cost.sort_values("budget_share", ascending=False, na_position="last")
    return worst.drop_duplicates("incident_id").reset_index(drop=True)


def _incident_budget(
    context: dg.AssetExecutionContext, settings: PipelineSettings, warehouse: WarehouseResource
):
    """For each incident that started in the week and each SLO of its services: the bad
    events inside its span (bucket overlap, prorated), that as a share of the SLO period's
    budget and of a 4-week budget, and as minutes of full downtime; and per SLO the week's
    bad events outside every declared incident. A week without any stored SLI event fails:
    its figures would all be zero, not true."""
    catalog = catalog_or_fail(warehouse)
    engine = warehouse.engine()
    week, bounds, now = _week(context, settings)
    everything, incidents = _stored_incidents(engine, bounds)
    week_events = read_events(engine, *bounds, catalog.ids)
    if week_events.empty:
        raise dg.Failure(
            description=f"no SLI events stored for {week_label(week)} ({week} .. "
            f"{week + timedelta(days=6)}): collect those days first "
            f"(sre-pipeline backfill --start {week} --end {week + timedelta(days=7)})",
            allow_retries=False,
        )
    window = events_window(incidents, catalog.slos, settings.width, now)
    events = (
        read_events(engine, *window, [s.id for s in catalog.slos])
        if window
        else week_events.iloc[:0]
    )
    last_day = week + timedelta(days=6)
    status = read_slice(engine, tables.slo_status, "day", last_day, last_day + timedelta(1))
    cost, outside = budget_week(
        week,
        incidents,
        everything,
        catalog.slos,
        events,
        week_events,
        status,
        settings.width,
        bounds,
        now,
    )
    replace_slices(
        engine,
        [
            (tables.incident_budget, cost, Slice("week_start", week, week + timedelta(7))),
            (
                tables.budget_outside_incidents,
                outside,
                Slice("week_start", week, week + timedelta(7)),
            ),
        ],
    )
    ranked = _ranked(cost)
    missing_p0 = needs_p0(cost, incidents)
    partial = sorted(set(cost.loc[cost["span_coverage"] < PARTIAL_SPAN, "incident_id"]))
    slow = outside[outside["outside_share"] > 0].sort_values("outside_share", ascending=False)
    yield dg.MaterializeResult(
        metadata={
            "week": week_label(week),
            "dagster/row_count": len(cost),
            "incidents": len(incidents),
            "incidents_without_slo": sorted(
                i.incident_id for i in incidents if i.incident_id not in set(cost["incident_id"])
            ),
            "ranked": dg.MetadataValue.md(
                md_table(
                    ranked,
                    ["incident_id", "slo", "budget_share", "bad_events", "downtime_minutes"],
                )
                if len(ranked)
                else "no incidents this week"
            ),
            "by_cause": dg.MetadataValue.json(
                {
                    str(k): round(float(v), 6)
                    for k, v in ranked.groupby("cause")["budget_share"].sum().items()
                }
                if len(ranked)
                else {}
            ),
            "partial_data": partial,
            "slos": len(outside),
            "status_of_last_day": "stored" if len(status) else f"missing for {last_day}",
            "outside_incidents": dg.MetadataValue.md(
                md_table(slow.head(10), ["slo", "outside_bad_events", "outside_share"])
                if len(slow)
                else "no budget spent outside incidents"
            ),
        }
    )
    yield dg.AssetCheckResult(
        check_name=P0_CHECK,
        passed=not missing_p0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "incidents": missing_p0,
            "rule": f"more than {POSTMORTEM_SHARE:.0%} of a 4-week budget needs a published "
            "postmortem with at least one P0 action item",
        },
    )


def _incident_alerts(
    context: dg.AssetExecutionContext, settings: PipelineSettings, warehouse: WarehouseResource
):
    """Each burn-rate alert episode that started in the week with the incidents it overlaps
    (same service), episodes no incident explains ("is a postmortem missing?"), and for each
    incident of the week whether an alert had fired by the time it was detected."""
    catalog = catalog_or_fail(warehouse)
    engine = warehouse.engine()
    week, bounds, now = _week(context, settings)
    everything, incidents = _stored_incidents(engine, bounds)
    lo = min([bounds[0], *(pd.Timestamp(i.started_at) for i in incidents)])
    hi = max([bounds[1], *(pd.Timestamp(i.resolved_at or now) for i in incidents)])
    episodes = read_episodes(engine, lo, hi)
    services = {s.id: s.service for s in catalog.slos}
    links, detection = alerts_week(week, incidents, everything, episodes, services, bounds, now)
    replace_slices(
        engine,
        [
            (tables.alert_incident_links, links, Slice("week_start", week, week + timedelta(7))),
            (tables.incident_detection, detection, Slice("week_start", week, week + timedelta(7))),
        ],
    )
    unexplained = links[links["incident_id"].isna()]
    gaps = sorted(detection.loc[detection["detection_gap"], "incident_id"])
    yield dg.MaterializeResult(
        metadata={
            "week": week_label(week),
            "dagster/row_count": len(links),
            "episodes": int(
                links.drop_duplicates(["slo", "long_window", "episode_start"]).shape[0]
            ),
            "linked": int(links["incident_id"].notna().sum()),
            "unexplained": len(unexplained),
            "unexplained_episodes": dg.MetadataValue.md(
                md_table(unexplained, ["slo", "severity", "long_window", "episode_start"])
                if len(unexplained)
                else "none"
            ),
            "detection_gaps": gaps,
        }
    )
    pages = unexplained[unexplained["severity"] == "page"]
    yield dg.AssetCheckResult(
        check_name=EXPLAINED_CHECK,
        passed=pages.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "page_episodes_without_incident": sorted(
                f"{r.slo} {r.episode_start:%Y-%m-%d %H:%M}" for r in pages.itertuples()
            ),
        },
    )


def incident_impact_assets(parts: Partitioning) -> list[dg.AssetsDefinition]:
    """``incident_budget`` and ``incident_alerts``, weekly."""
    budget = dg.asset(
        name="incident_budget",
        partitions_def=parts.weekly,
        group_name="incidents",
        kinds={"sql"},
        deps=["incidents", "action_items", "slo_catalog", "sli_events", "slo_status"],
        metadata=table_metadata(tables.incident_budget),
        check_specs=[
            dg.AssetCheckSpec(
                P0_CHECK,
                asset="incident_budget",
                description=f"Incidents that consumed more than {POSTMORTEM_SHARE:.0%} of a "
                "4-week budget have a published postmortem with a P0 action item.",
            )
        ],
    )(_incident_budget)
    alerts = dg.asset(
        name="incident_alerts",
        partitions_def=parts.weekly,
        group_name="incidents",
        kinds={"sql"},
        deps=["incidents", "slo_catalog", "burn_alerts"],
        metadata=table_metadata(tables.alert_incident_links),
        check_specs=[
            dg.AssetCheckSpec(
                EXPLAINED_CHECK,
                asset="incident_alerts",
                description="Every page-severity burn-rate alert episode of the week overlaps "
                "a declared incident of its service (otherwise: is a postmortem missing?).",
            )
        ],
    )(_incident_alerts)
    return [budget, alerts]
