"""The wanted tickets of one instant, read from the warehouse: the newest ``slo_status`` of
each SLO on or before the day, the alert episodes firing at the instant, the open action items
and the day's ``capacity_status`` (:mod:`sre_pipeline.tickets.conditions` decides)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from sre_pipeline.tickets.conditions import (
    Wanted,
    action_item_conditions,
    capacity_conditions,
    slo_conditions,
)
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.reads import read_slice

# the kinds a warehouse sync evaluates (run failures come from the run-failure sensor)
KINDS = {
    "burn-page",
    "burn-ticket",
    "exhaustion",
    "budget-policy",
    "action-item",
    "capacity-scale",
    "capacity-emergency",
    "capacity-forecast",
    "overflow",  # the summary ticket of what the cap held back
}
STATUS_LOOKBACK_DAYS = 7  # an SLO without status in the last week has no say


class NoStatusError(Exception):
    """The week has no stored status: its tickets would be decided on nothing."""


def wanted_at(engine, slos, day: date, as_of: datetime, horizon_days: int = 90) -> list[Wanted]:
    """Every ticket that should be open at ``as_of`` (the end of ``day``), from the status
    of the 7 days up to ``day``; none of them with status is a :class:`NoStatusError` (a
    sync on nothing would close every ticket)."""
    first = day - timedelta(STATUS_LOOKBACK_DAYS - 1)
    status = read_slice(engine, tables.slo_status, "day", first, day + timedelta(1))
    if not len(status) and slos:
        raise NoStatusError(
            f"no slo_status between {first} and {day}; expected the status of those days "
            f"first (sre-pipeline backfill --start {first} --end {day + timedelta(1)})"
        )
    if len(status):
        status = status.sort_values(["slo", "day"]).groupby("slo", as_index=False).tail(1)
    episodes = read_slice(engine, tables.burn_alert_episodes, "start", None, as_of)
    at = pd.Timestamp(as_of)
    firing = (
        episodes[episodes["end"].isna() | (episodes["end"] > at)] if len(episodes) else episodes
    )
    items = read_slice(engine, tables.action_items)
    incidents = read_slice(engine, tables.incidents)
    services = {s.service: s.team for s in slos if s.team}
    teams = {
        str(r.incident_id): next((services[s] for s in (r.services or []) if s in services), None)
        for r in incidents.itertuples()
    }
    capacity = read_slice(engine, tables.capacity_status, "day", first, day + timedelta(1))
    if len(capacity):
        capacity = capacity[capacity["day"] == capacity["day"].max()]
    return [
        *slo_conditions(slos, status, firing),
        *action_item_conditions(items, teams),
        *capacity_conditions(capacity, horizon_days),
    ]
