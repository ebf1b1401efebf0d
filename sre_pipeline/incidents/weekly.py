"""One week of incident figures, as the weekly tables store them (docs/incidents.md): what the
week's incidents cost each SLO, the budget each SLO spent outside any incident, the week's alert
episodes against the incidents, and whether alerts caught the week's incidents before people
did.

A week is ``[start, end)`` in UTC (a local Monday to the next, in the configured zone); an
incident belongs to the week it started in, an alert episode to the week it started in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from sre_pipeline.incidents.alerts import LINK_COLUMNS as ALERT_LINK_COLUMNS
from sre_pipeline.incidents.alerts import link_alerts
from sre_pipeline.incidents.budget import FOUR_WEEKS, attribute, outside_incidents
from sre_pipeline.incidents.model import Incident
from sre_pipeline.slo.model import SLO

DETECTION_COLUMNS = [
    "incident_id",
    "week_start",
    "detected_at",
    "first_alert_at",
    "alert_lead_minutes",
    "alert_episodes",
    "detection_gap",
]
# the episode's columns as alerts.link_alerts gives them, under the week, the incident last
LINK_COLUMNS = ["week_start", *(c for c in ALERT_LINK_COLUMNS if c != "incident_id"), "incident_id"]


def _utc(ts) -> pd.Timestamp:
    t = pd.Timestamp(ts)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def _end(incident: Incident, now) -> pd.Timestamp:
    return _utc(incident.resolved_at) if incident.resolved_at else _utc(now)


def affected(incidents: Sequence[Incident], slos: Sequence[SLO]) -> list[SLO]:
    """The SLOs of the incidents' services, in catalog order."""
    services = {s for i in incidents for s in i.services}
    return [slo for slo in slos if slo.service in services]


def events_window(
    incidents: Sequence[Incident], slos: Sequence[SLO], width: timedelta, now
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The events :func:`attribute` needs for ``incidents``: from the earliest start of an
    SLO period (or 4-week window) ending with a span, to the latest span end; None without
    incidents or SLOs."""
    mine = affected(incidents, slos)
    if not incidents or not mine:
        return None
    ends = [_end(i, now) for i in incidents]
    reach = max(
        max(pd.Timedelta(s.period.nominal) + pd.Timedelta(days=3) for s in mine),  # calendar
        pd.Timedelta(FOUR_WEEKS),
    )
    start = min(min(_utc(i.started_at) for i in incidents), min(ends) - reach)
    return start - pd.Timedelta(width), max(ends) + pd.Timedelta(width)


def budget_week(
    week: date,
    incidents: Sequence[Incident],
    all_incidents: Sequence[Incident],
    slos: Sequence[SLO],
    events: pd.DataFrame,
    week_events: pd.DataFrame,
    status: pd.DataFrame,
    width: timedelta,
    bounds: tuple[pd.Timestamp, pd.Timestamp],
    now,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of ``incident_budget`` and ``budget_outside_incidents`` for ``week``.

    ``incidents``: those that started in the week; ``all_incidents``: every stored one (an
    incident of last week still open this week covers bad events of this week too).
    ``events``: the affected SLOs' events over :func:`events_window`; ``week_events``: every
    SLO's events of the week; ``status``: ``slo_status`` of the week's last day (``slo``,
    ``objective``, ``events_total``), whose period budget the outside share is taken of."""
    by_id = {i.incident_id: i for i in incidents}
    cost = attribute(incidents, affected(incidents, slos), events, width, now)
    cost.insert(2, "week_start", week)
    cost.insert(4, "severity", [by_id[i].severity for i in cost["incident_id"]])
    cost.insert(5, "cause", [by_id[i].cause for i in cost["incident_id"]])
    outside = outside_incidents(slos, week_events, all_incidents, width, *bounds, now)
    outside.insert(1, "week_start", week)
    budget = (
        (1 - status.set_index("slo")["objective"]) * status.set_index("slo")["events_total"]
        if len(status)
        else pd.Series(dtype=float)
    )
    outside["budget_events"] = outside["slo"].map(budget).astype(float)
    has = outside["budget_events"] > 0
    outside["outside_share"] = np.where(
        has, outside["outside_bad_events"] / outside["budget_events"].where(has, 1.0), np.nan
    )
    return cost.reset_index(drop=True), outside


def alerts_week(
    week: date,
    incidents: Sequence[Incident],
    all_incidents: Sequence[Incident],
    episodes: pd.DataFrame,
    services: Mapping[str, str],
    bounds: tuple[pd.Timestamp, pd.Timestamp],
    now,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of ``alert_incident_links`` and ``incident_detection`` for ``week``.

    ``episodes``: the stored episodes overlapping the week and the week's incidents
    (``burn_alert_episodes`` rows). Links: each episode that started in the week with each
    incident (of any week) it overlaps, or once with no incident. Detection: each incident
    of the week, the first alert of its services that overlaps it, and whether one had
    started by the time it was detected (no: a detection gap)."""
    start, end = bounds
    started = episodes[(episodes["start"] >= start) & (episodes["start"] < end)]
    links, unexplained, _ = link_alerts(started, all_incidents, services, now)
    rows = pd.concat(
        [
            links,
            unexplained.rename(columns={"start": "episode_start", "end": "episode_end"}).assign(
                service=[services.get(str(s)) for s in unexplained["slo"]], incident_id=None
            ),
        ],
        ignore_index=True,
    )
    rows["week_start"] = week
    rows = rows[LINK_COLUMNS].sort_values(
        ["episode_start", "slo", "long_window", "incident_id"], na_position="last"
    )
    of_week, _, gaps = link_alerts(episodes, incidents, services, now)
    detection = []
    for incident in incidents:
        mine = of_week[of_week["incident_id"] == incident.incident_id]
        detected = _utc(incident.detected_at or incident.started_at)
        first = mine["episode_start"].min() if len(mine) else None
        detection.append(
            {
                "incident_id": incident.incident_id,
                "week_start": week,
                "detected_at": detected,
                "first_alert_at": first,
                "alert_lead_minutes": (detected - first).total_seconds() / 60
                if first is not None
                else None,
                "alert_episodes": len(mine),
                "detection_gap": incident.incident_id in gaps,
            }
        )
    return rows.reset_index(drop=True), pd.DataFrame(detection, columns=DETECTION_COLUMNS)
