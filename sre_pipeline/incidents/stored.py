"""A week of incident figures read back from the warehouse: the incidents that started in it
(with their action items) and the rows the weekly incident assets stored for it."""

from __future__ import annotations

from datetime import date, timedelta

from sre_pipeline.incidents.model import incidents_from_tables
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.reads import read_slice


def read_week(engine, monday: date):
    """The week's incidents (with their action items) and its ``incident_budget``,
    ``incident_detection`` and ``budget_outside_incidents`` rows."""
    sunday_next = monday + timedelta(days=7)
    week = lambda t: read_slice(engine, t, "week_start", monday, sunday_next)  # noqa: E731
    incidents = week(tables.incidents)
    ids = list(incidents["incident_id"])
    items = (
        read_slice(engine, tables.action_items, key_column="incident_id", keys=ids)
        if ids
        else read_slice(engine, tables.action_items).iloc[:0]
    )
    return (
        incidents_from_tables(incidents, items),
        week(tables.incident_budget),
        week(tables.incident_detection),
        week(tables.budget_outside_incidents),
    )
