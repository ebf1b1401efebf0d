"""Incidents and postmortem action items, read from the incident source into the warehouse.

No ``from __future__ import annotations``: Dagster reads the real annotations.
"""

import dagster as dg
import pandas as pd

from sre_pipeline.defs.metadata import md_table, spec_failure
from sre_pipeline.defs.resources import IncidentSource, PipelineSettings, WarehouseResource
from sre_pipeline.incidents.model import action_items_frame, incidents_frame, open_and_overdue
from sre_pipeline.inputs.problems import SpecError
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.writes import Slice, replace_slices

INCIDENTS = dg.AssetSpec(
    "incidents",
    group_name="incidents",
    kinds={"markdown", "sql"},
    description="Incidents from the postmortems (warehouse table `incidents`): severity, "
    "services, started/detected/acknowledged/resolved times, postmortem publication.",
)
ACTION_ITEMS = dg.AssetSpec(
    "action_items",
    group_name="incidents",
    kinds={"markdown", "sql"},
    deps=["incidents"],
    description="Postmortem action items (warehouse table `action_items`): owner, team, "
    "severity, due date, status, completion.",
)


def _preview(incidents: pd.DataFrame) -> str:
    if incidents.empty:
        return "no incidents"
    recent = incidents.sort_values("started_at", ascending=False).head(10).copy()
    recent["started_at"] = recent["started_at"].dt.strftime("%Y-%m-%d %H:%M")
    recent["resolved"] = recent["resolved_at"].notna()
    recent["postmortem"] = (
        recent["postmortem_published_at"].notna().map({True: "published", False: "draft"})
    )
    return md_table(
        recent, ["incident_id", "severity", "started_at", "resolved", "postmortem", "title"]
    )


@dg.multi_asset(specs=[INCIDENTS, ACTION_ITEMS], can_subset=False)
def incident_records(
    context: dg.AssetExecutionContext,
    settings: PipelineSettings,
    incident_source: IncidentSource,
    warehouse: WarehouseResource,
):
    """Read every postmortem and replace both tables in one transaction, so a run never leaves
    action items pointing at incidents of another version. A format error fails the run with
    every problem (file:line, field, expected) and leaves the tables as they were."""
    try:
        found = incident_source.incidents(settings.time_zone)
    except SpecError as exc:
        raise spec_failure(exc, "postmortems") from None
    for warning in found.warnings:
        context.log.warning(str(warning))
    incidents = incidents_frame(found.incidents, settings.time_zone)
    items = action_items_frame(found.incidents, settings.time_zone)
    replace_slices(
        warehouse.engine(),
        [(tables.incidents, incidents, Slice()), (tables.action_items, items, Slice())],
    )
    today = settings.now().tz_convert(settings.time_zone).date()
    open_items, overdue = open_and_overdue(items, today)
    yield dg.MaterializeResult(
        asset_key="incidents",
        metadata={
            "rows": len(incidents),
            "files": len(found.files),
            "by_severity": dg.MetadataValue.json(incidents["severity"].value_counts().to_dict()),
            "unresolved": int(incidents["resolved_at"].isna().sum()),
            "postmortem_drafts": int(incidents["postmortem_published_at"].isna().sum()),
            "warnings": len(found.warnings),
            "recent": dg.MetadataValue.md(_preview(incidents)),
        },
    )
    yield dg.MaterializeResult(
        asset_key="action_items",
        metadata={
            "rows": len(items),
            "open": int(open_items.sum()),
            "overdue": int(overdue.sum()),
            "by_status": dg.MetadataValue.json(items["status"].value_counts().to_dict()),
            "overdue_items": dg.MetadataValue.md(
                md_table(items[overdue], ["item_id", "owner", "due_date", "title"])
                if overdue.any()
                else "none"
            ),
        },
    )
