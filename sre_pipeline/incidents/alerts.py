"""Burn-rate alert episodes against incidents (docs/incidents.md): which alerts belong to which
incident, alerts nobody declared an incident for, and incidents no alert caught.

Times are half-open intervals ``[start, end)``; an episode or incident still open runs to
``now``. An episode and an incident are linked when the episode's SLO belongs to one of the
incident's services and the intervals overlap. An incident has a *detection gap* when no
episode of its services overlaps it having started at or before its detection (its start when
no detection time is recorded): people found out before the alerts did, or without them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from sre_pipeline.incidents.model import Incident

LINK_COLUMNS = [
    "incident_id",
    "slo",
    "service",
    "long_window",
    "short_window",
    "episode_start",
    "episode_end",
    "severity",
]


def _utc(ts) -> pd.Timestamp | None:
    if ts is None or pd.isna(ts):
        return None
    t = pd.Timestamp(ts)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def link_alerts(
    episodes: pd.DataFrame, incidents: Sequence[Incident], services: Mapping[str, str], now
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """``episodes`` (``slo``, ``start``, ``end``, ``severity``; the table
    ``burn_alert_episodes``) against ``incidents``; ``services`` maps SLO id to its service.

    Returns the links (one row per incident and episode), the episodes linked to no incident,
    and the ids of incidents with a detection gap."""
    end_of_now = _utc(now)
    frame = episodes.assign(
        _start=pd.to_datetime(episodes["start"], utc=True),
        _end=pd.to_datetime(episodes["end"], utc=True).fillna(end_of_now),
        _service=[services.get(str(s)) for s in episodes["slo"]],
    )
    links, linked, gaps = [], set(), []
    for incident in incidents:
        lo = _utc(incident.started_at)
        hi = _utc(incident.resolved_at) or end_of_now
        detected = _utc(incident.detected_at) or lo
        mine = frame[frame["_service"].isin(incident.services)]
        overlapping = mine[(mine["_start"] < hi) & (mine["_end"] > lo)]
        for index, row in overlapping.iterrows():
            linked.add(index)
            links.append(
                {
                    "incident_id": incident.incident_id,
                    "slo": row["slo"],
                    "service": row["_service"],
                    "long_window": row.get("long_window"),
                    "short_window": row.get("short_window"),
                    "episode_start": row["_start"],
                    "episode_end": _utc(row["end"]),
                    "severity": row["severity"],
                }
            )
        if not (overlapping["_start"] <= detected).any():
            gaps.append(incident.incident_id)
    unexplained = episodes.loc[[i for i in episodes.index if i not in linked]]
    return pd.DataFrame(links, columns=LINK_COLUMNS), unexplained, gaps
