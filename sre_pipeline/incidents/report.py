"""A week's incidents as people read them (the ``incidents`` command, the weekly review): ranked
by the error budget they cost, with response times, postmortem state and open action items.

Ranking: the share of its worst-hit SLO's period budget, highest first; incidents whose cost
is unknown (no SLO for their services, or no events in the period) follow, by start.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

import pandas as pd

from sre_pipeline.incidents.budget import needs_p0
from sre_pipeline.incidents.model import CLOSED_STATUSES, Incident


def _minutes(start, end) -> float | None:
    if start is None or end is None:
        return None
    return (pd.Timestamp(end) - pd.Timestamp(start)).total_seconds() / 60


def response_minutes(incident: Incident) -> dict[str, float | None]:
    """MTTD (started -> detected), MTTA (detected -> acknowledged) and MTTR (started ->
    resolved) of one incident, in minutes; None where a time is not recorded."""
    return {
        "mttd_minutes": _minutes(incident.started_at, incident.detected_at),
        "mtta_minutes": _minutes(incident.detected_at, incident.acknowledged_at),
        "mttr_minutes": _minutes(incident.started_at, incident.resolved_at),
    }


def _number(value) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def week_incidents(
    incidents: Sequence[Incident], cost: pd.DataFrame, detection: pd.DataFrame, today: date
) -> list[dict]:
    """One record per incident (see the module docstring for the order): its worst-hit SLO,
    budget share, 4-week share, bad events over all its SLOs, downtime minutes, response
    times, cause, postmortem status, open and overdue action items (as of ``today``), the
    P0-rule flag and the detection gap. ``cost``: the week's ``incident_budget`` rows;
    ``detection``: its ``incident_detection`` rows. Missing figures are None, never NaN."""
    flagged = set(needs_p0(cost, incidents)) if len(cost) else set()
    gaps = (
        dict(zip(detection["incident_id"], detection["detection_gap"], strict=True))
        if len(detection)
        else {}
    )
    out = []
    for incident in incidents:
        mine = cost[cost["incident_id"] == incident.incident_id] if len(cost) else cost
        worst = (
            mine.sort_values("budget_share", ascending=False, na_position="last").iloc[0]
            if len(mine)
            else None
        )
        items = incident.action_items
        is_open = [i for i in items if i.status not in CLOSED_STATUSES]
        overdue = [i for i in is_open if i.due_date is not None and i.due_date < today]
        gap = gaps.get(incident.incident_id)
        out.append(
            {
                "incident_id": incident.incident_id,
                "title": incident.title,
                "severity": incident.severity,
                "cause": incident.cause,
                "started_at": pd.Timestamp(incident.started_at).isoformat(),
                "resolved_at": pd.Timestamp(incident.resolved_at).isoformat()
                if incident.resolved_at
                else None,
                "services": list(incident.services),
                "worst_slo": None if worst is None else str(worst["slo"]),
                "budget_share": None if worst is None else _number(worst["budget_share"]),
                "four_week_share": None
                if worst is None
                else _number(mine["four_week_share"].max()),
                "bad_events": None if worst is None else float(mine["bad_events"].sum()),
                "downtime_minutes": None
                if worst is None
                else _number(mine["downtime_minutes"].max()),
                "span_coverage": None if worst is None else _number(mine["span_coverage"].min()),
                **response_minutes(incident),
                "postmortem_status": incident.postmortem_status
                or ("final" if incident.postmortem_published_at else "draft"),
                "action_items": len(items),
                "open_items": len(is_open),
                "overdue_items": len(overdue),
                "needs_p0_postmortem": incident.incident_id in flagged,
                "detection_gap": None if gap is None else bool(gap),
            }
        )
    known = sorted(
        (r for r in out if r["budget_share"] is not None),
        key=lambda r: (-r["budget_share"], r["started_at"]),
    )
    unknown = sorted((r for r in out if r["budget_share"] is None), key=lambda r: r["started_at"])
    return known + unknown


def budget_by_cause(rows: list[dict]) -> dict[str, float]:
    """The worst-hit SLO's budget share of each incident, summed per cause category (the
    measure the command and the review compare causes by)."""
    out: dict[str, float] = {}
    for r in rows:
        if r["budget_share"] is not None:
            out[r["cause"]] = out.get(r["cause"], 0.0) + r["budget_share"]
    return out


PARTIAL_SPAN = 0.9  # a span with less of its buckets collected is "partial data"


def flags(row: dict) -> list[str]:
    """What a reader must act on for one incident of :func:`week_incidents`, as short
    phrases (the command, the demo and the review print the same)."""
    out = []
    if row["needs_p0_postmortem"]:
        share = row["four_week_share"]
        of = f" ({share:.1%} of a 4-week budget)" if share is not None else ""
        out.append(f"needs a published postmortem with a P0 action item{of}")
    if row["detection_gap"]:
        out.append("detection gap: no burn-rate alert before it was detected")
    if row["span_coverage"] is not None and row["span_coverage"] < PARTIAL_SPAN:
        out.append(f"partial data: {row['span_coverage']:.0%} of its span collected")
    if row["worst_slo"] is None:
        out.append("no SLO for its services: cost unknown")
    return out
