"""What a week's reliability review says, gathered from the warehouse alone (docs/review.md).

:func:`build_review` returns plain data (dicts, lists, numbers, ``None`` where a figure is
unknown, never NaN), so the Markdown, HTML and text renderings, the e-mail subject and the tests
all read the same figures. Every figure is one the warehouse already holds: the week-end status
(``slo_status``), the weekly summary mart, the weekly incident tables and marts, the capacity
status of the week's last day; nothing is recomputed from raw events.

SLO states at the end of the week: *breached* when the period's budget is spent (remaining
<= 0), *at risk* when its policy tier is ``feature_freeze`` or ``incident_mode`` (under 25 % by
default), *met* otherwise, *no data* when the period has no events. Aspirational SLOs are shown
and counted apart: they are tracked, not promised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import sqlalchemy as sa

from sre_pipeline.incidents.report import budget_by_cause, week_incidents
from sre_pipeline.incidents.stored import read_week
from sre_pipeline.inputs.instants import week_label
from sre_pipeline.review.hints import tuning_hints
from sre_pipeline.slo.budget.daily import week_bounds
from sre_pipeline.slo.model import SLO
from sre_pipeline.slo.policy import EXHAUSTED
from sre_pipeline.tickets.readback import apply_tickets, stored_tracking
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.reads import read_columns, read_episodes, read_slice

AT_RISK_TIERS = ("feature_freeze", "incident_mode")
HISTORY_WEEKS = 12  # the sparkline's weeks, and the SLO pages' history
HISTORY_ALERTS = 50  # the newest alert episodes an SLO's page lists
STATES = ("breached", "at_risk", "met", "no_data")
EXHAUSTED_ACTION = "budget exhausted: emergency reliability work only"
CALM_TIERS = 2  # the first tiers of a policy (full velocity, normal) ask for no decision


class ReviewError(Exception):
    """A week that cannot be reviewed; the message says why and what to run."""


@dataclass(frozen=True)
class ReviewInputs:
    """What the review needs besides the warehouse: the catalog (specs as stored), the zone,
    the day "today" is for overdue items, and the data-quality section (Markdown and summary)
    when it was computed."""

    slos: tuple[SLO, ...]
    time_zone: str
    today: date
    quality_markdown: str | None = None
    quality_summary: str | None = None
    partial_slos: tuple[str, ...] = ()


def number(value) -> float | None:
    """A stored figure as a float, or None for NULL / NaN / NaT."""
    if value is None or value is pd.NaT:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) or math.isinf(value) else value


def _iso(value) -> str | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return pd.Timestamp(value).isoformat()


def _table(engine, name: str, where: str = "", **params) -> pd.DataFrame:
    """A mart (not part of the schema module) read with plain SQL; missing means the weekly
    job never ran the models."""
    if not sa.inspect(engine).has_table(name):
        raise ReviewError(
            f"the warehouse has no '{name}' table: the SQL models have not run; expected the "
            "weekly job (or `sre-pipeline demo`) before a review"
        )
    with engine.connect() as conn:
        return pd.read_sql(sa.text(f'SELECT * FROM "{name}" {where}'), conn, params=params)


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _state(tier: str | None) -> str:
    if tier is None:
        return "no_data"
    if tier == EXHAUSTED:
        return "breached"
    return "at_risk" if tier in AT_RISK_TIERS else "met"


def _tier_action(slo: SLO, tier: str | None) -> str | None:
    if tier == EXHAUSTED:
        return EXHAUSTED_ACTION
    return next((t.action for t in slo.policy_tiers if t.name == tier), None)


def _calm(slo: SLO, tier: str | None) -> bool:
    return tier in {t.name for t in slo.policy_tiers[:CALM_TIERS]}


def _alerts(frame: pd.DataFrame, week_start: pd.Timestamp, week_end: pd.Timestamp) -> list[dict]:
    out = []
    for r in frame.itertuples():
        end = None if pd.isna(r.end) else r.end
        shown_end = min(end, week_end) if end is not None else week_end
        out.append(
            {
                "severity": r.severity,
                "windows": f"{r.long_window}/{r.short_window}",
                "start": _iso(r.start),
                "end": _iso(end),
                "still_firing": end is None,
                "minutes_in_week": round(
                    (shown_end - max(r.start, week_start)).total_seconds() / 60,
                    1,
                ),
                "peak_burn_rate": number(r.peak_burn_rate),
            }
        )
    return out


def build_review(engine, inputs: ReviewInputs, week: date) -> dict:
    """The review of the ISO week starting ``week`` (see the module docstring). Raises
    :class:`ReviewError` for a week without status data."""
    tz = inputs.time_zone
    last_day = week + timedelta(days=6)
    start, end = week_bounds(week, tz)
    status = read_slice(engine, tables.slo_status, "day", week, last_day + timedelta(1))
    if status.empty:
        raise ReviewError(
            f"{week_label(week)} ({week} .. {last_day}) has no SLO status in the warehouse; "
            f"expected its days evaluated first (sre-pipeline backfill --start {week} --end "
            f"{week + timedelta(days=7)})"
        )
    status["day"] = [_day(d) for d in status["day"]]
    final = status.sort_values("day").groupby("slo").tail(1).set_index("slo")
    summary = _table(
        engine,
        "weekly_slo_summary",
        "WHERE week_start >= :first AND week_start <= :week",
        first=week - timedelta(weeks=HISTORY_WEEKS - 1),
        week=week,
    )
    summary["week_start"] = [_day(d) for d in summary["week_start"]]
    this_week = summary[summary["week_start"] == week].set_index("slo")
    outside = read_slice(
        engine,
        tables.budget_outside_incidents,
        "week_start",
        week - timedelta(weeks=HISTORY_WEEKS - 1),
        week + timedelta(7),
    )
    outside["week_start"] = [_day(d) for d in outside["week_start"]]
    longest = max((s.period.nominal for s in inputs.slos), default=timedelta(days=28))
    burn = read_columns(
        engine,
        tables.slo_status,
        ["slo", "day", "budget_remaining"],
        "day",
        last_day - longest,
        last_day + timedelta(1),
    )
    burn_by_slo = {str(k): g.sort_values("day") for k, g in burn.groupby("slo")}
    first_week = week - timedelta(weeks=HISTORY_WEEKS - 1)
    past = read_episodes(engine, week_bounds(first_week, tz)[0], end).sort_values(["start", "slo"])
    episodes = past[(past["start"] < end) & (past["end"].isna() | (past["end"] > start))]
    eps_by_slo = {str(k): g for k, g in episodes.groupby("slo")} if len(episodes) else {}
    past_by_slo = {str(k): g for k, g in past.groupby("slo")} if len(past) else {}
    costs = _incident_history(engine, first_week, week)
    sections = []
    for slo in inputs.slos:
        row = final.loc[slo.id] if slo.id in final.index else None
        tier = None if row is None else row["policy_tier"]
        tier = None if tier is None or (isinstance(tier, float) and math.isnan(tier)) else tier
        mine = outside[outside["slo"] == slo.id]
        week_row = mine[mine["week_start"] == week]
        spent = None
        attained_week = None
        if len(week_row):
            w = week_row.iloc[0]
            if number(w["budget_events"]):
                spent = number(w["bad_events"] / w["budget_events"])
            attained_week = (
                1 - w["bad_events"] / w["total_events"] if number(w["total_events"]) else None
            )
        weekly = [
            {
                "week_start": r.week_start.isoformat(),
                "attainment": number(1 - r.bad_events / r.total_events),
            }
            for r in mine.sort_values("week_start").itertuples()
            if number(r.total_events)
        ]
        s = this_week.loc[slo.id] if slo.id in this_week.index else None
        days = burn_by_slo.get(slo.id)
        period_start = last_day - slo.period.nominal
        sections.append(
            {
                "slo": slo.id,
                "service": slo.service,
                "name": slo.name,
                "description": slo.description,
                "owner": slo.owner,
                "team": slo.team,
                "objective": slo.objective,
                "period": slo.period.label,
                "aspirational": slo.aspirational,
                "state": _state(tier),
                "tier": tier,
                "tier_action": _tier_action(slo, tier),
                "needs_decision": tier is not None and not _calm(slo, tier),
                "attainment_week": number(attained_week),
                "attainment_period": None if row is None else number(row["attainment"]),
                "attainment_delta": None if s is None else number(s["attainment_delta"]),
                "budget_remaining": None if row is None else number(row["budget_remaining"]),
                "budget_remaining_delta": None
                if s is None
                else number(s["budget_remaining_delta"]),
                "budget_remaining_events": None
                if row is None
                else number(row["budget_remaining_events"]),
                "budget_remaining_minutes": None
                if row is None
                else number(row["budget_remaining_minutes"]),
                "time_to_exhaustion_hours": None
                if row is None
                else number(row["time_to_exhaustion_hours"]),
                "spent_this_week": spent,
                "coverage": None if s is None else number(s["mean_coverage"]),
                "partial_data": slo.id in inputs.partial_slos
                or (s is not None and (number(s["mean_coverage"]) or 0) < 1),
                "page_days": 0 if s is None else int(s["page_days"] or 0),
                "alerts": _alerts(eps_by_slo[slo.id], start, end) if slo.id in eps_by_slo else [],
                "burn_down": []
                if days is None
                else [
                    {"day": _day(d).isoformat(), "budget_remaining": number(b)}
                    for d, b in zip(days["day"], days["budget_remaining"], strict=True)
                    if _day(d) > period_start
                ],
                "weekly_attainment": weekly,
                "history_alerts": [
                    {
                        "severity": r.severity,
                        "windows": f"{r.long_window}/{r.short_window}",
                        "start": _iso(r.start),
                        "end": _iso(r.end),
                    }
                    for r in past_by_slo[slo.id].itertuples()
                ][-HISTORY_ALERTS:]
                if slo.id in past_by_slo
                else [],
                "history_incidents": costs.get(slo.id, []),
            }
        )
    order = {s: n for n, s in enumerate(STATES)}
    sections.sort(
        key=lambda x: (
            x["aspirational"],
            order[x["state"]],
            x["budget_remaining"] if x["budget_remaining"] is not None else math.inf,
            x["slo"],
        )
    )
    promised = [x for x in sections if not x["aspirational"]]
    counts = {state: sum(x["state"] == state for x in promised) for state in STATES}
    tiers: dict[str, int] = {}
    for x in promised:
        if x["tier"]:
            tiers[x["tier"]] = tiers.get(x["tier"], 0) + 1
    burners = sorted(
        (x for x in promised if (x["spent_this_week"] or 0) > 0),
        key=lambda x: -x["spent_this_week"],
    )[:5]
    decisions = [
        {
            "slo": x["slo"],
            "tier": x["tier"],
            "action": x["tier_action"],
            "budget_remaining": x["budget_remaining"],
        }
        for x in sections
        if x["needs_decision"] and not x["aspirational"]
    ]
    incidents = _incidents(engine, inputs, week)
    return {
        "week": week_label(week),
        "week_start": week.isoformat(),
        "week_end": last_day.isoformat(),
        "time_zone": tz,
        "summary": {
            "slos": len(promised),
            "aspirational": len(sections) - len(promised),
            **counts,
            "tiers": tiers,
            "top_burners": [
                {"slo": x["slo"], "spent_this_week": x["spent_this_week"]} for x in burners
            ],
            "decisions": decisions,
        },
        "slos": sections,
        "incidents": incidents,
        "action_items": _action_items(engine, week, inputs.today, inputs.time_zone),
        "capacity": _capacity(engine, last_day),
        "quality": {
            "summary": inputs.quality_summary,
            "markdown": inputs.quality_markdown,
            "partial_slos": sorted(inputs.partial_slos),
        },
        "hints": tuning_hints(summary, sections, incidents["unexplained_episodes"], week),
    }


def _incidents(engine, inputs: ReviewInputs, week: date) -> dict:
    incidents, cost, detection, outside = read_week(engine, week)
    rows = week_incidents(incidents, cost, detection, inputs.today)
    by_cause = budget_by_cause(rows)
    links = read_slice(engine, tables.alert_incident_links, "week_start", week, week + timedelta(7))
    lonely = links[links["incident_id"].isna()]
    return {
        "attributed": not outside.empty,
        "rows": rows,
        "by_cause": [{"cause": c, "budget_share": v} for c, v in sorted(by_cause.items())],
        "slo_impacts": len(cost),
        "mttd_minutes": _mean(r["mttd_minutes"] for r in rows),
        "mttr_minutes": _mean(r["mttr_minutes"] for r in rows),
        "unexplained_episodes": [
            {
                "slo": r.slo,
                "severity": r.severity,
                "windows": f"{r.long_window}/{r.short_window}",
                "start": _iso(r.episode_start),
            }
            for r in lonely.itertuples()
        ],
    }


def _incident_history(engine, first_week: date, week: date) -> dict[str, list[dict]]:
    """Per SLO, the incidents of the history weeks that cost it budget: id, title, week and
    the share of this SLO's budget, newest first."""
    cost = read_slice(engine, tables.incident_budget, "week_start", first_week, week + timedelta(7))
    if cost.empty:
        return {}
    titles = read_slice(
        engine, tables.incidents, key_column="incident_id", keys=sorted(set(cost["incident_id"]))
    ).set_index("incident_id")["title"]
    out: dict[str, list[dict]] = {}
    for r in cost.sort_values(["week_start", "incident_id"], ascending=False).itertuples():
        out.setdefault(str(r.slo), []).append(
            {
                "incident_id": r.incident_id,
                "title": titles.get(r.incident_id, ""),
                "week_start": _day(r.week_start).isoformat(),
                "budget_share": number(r.budget_share),
                "downtime_minutes": number(r.downtime_minutes),
            }
        )
    return out


def _mean(values) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def _action_items(engine, week: date, today: date, zone: str) -> dict:
    # items closed in their tracker count as done; disagreements are listed
    items, conflicts = apply_tickets(
        read_slice(engine, tables.action_items), stored_tracking(engine), zone
    )
    nxt = week + timedelta(7)
    created = [_day(d) if d is not None else None for d in items["created_week"]]
    completed = [_day(d) if d is not None else None for d in items["completed_week"]]
    is_open = ~items["status"].isin(("done", "wontfix"))
    due = [_day(d) if d is not None else None for d in items["due_date"]]
    overdue = [o and d is not None and d < today for o, d in zip(is_open, due, strict=True)]
    late = items[overdue]

    def by(column: str) -> list[dict]:
        counts = late[column].fillna("(unassigned)").value_counts()
        return [{"name": str(k), "overdue": int(v)} for k, v in sorted(counts.items())]

    trend = _table(engine, "action_items_weekly", "WHERE week_start <= :week", week=week)
    trend = trend.sort_values("week_start").tail(HISTORY_WEEKS)
    return {
        "conflicts": conflicts,
        "total": len(items),
        "new": sum(c is not None and week <= c < nxt for c in created),
        "completed": sum(c is not None and week <= c < nxt for c in completed),
        "open": int(is_open.sum()),
        "overdue": int(sum(overdue)),
        "overdue_by_owner": by("owner"),
        "overdue_by_team": by("team"),
        "overdue_items": [
            {
                "item_id": r.item_id,
                "title": r.title,
                "owner": r.owner,
                "due_date": _iso(r.due_date)[:10] if _iso(r.due_date) else None,
                "priority": r.priority,
            }
            for r in late.sort_values(["due_date", "item_id"]).itertuples()
        ],
        "trend": [
            {
                "week_start": str(r.week_start)[:10],
                "created": int(r.created),
                "completed": int(r.completed),
                "open": int(r.open_at_week_end),
            }
            for r in trend.itertuples()
        ],
    }


def _capacity(engine, day: date) -> dict:
    rows = read_slice(engine, tables.capacity_status, "day", day, day + timedelta(1))
    shown = []
    for r in rows.to_dict("records"):
        crossing = {
            level: {
                "status": r[f"{level}_status"],
                "on": _iso(r[f"{level}_on"]),
                "earliest": _iso(r[f"{level}_earliest"]),
                "latest": _iso(r[f"{level}_latest"]),
            }
            for level in ("warn", "scale", "emergency")
        }
        forecast = any(c["status"] == "forecast" for c in crossing.values())
        if r["state"] in (None, "ok") and not forecast:
            continue
        shown.append(
            {
                "resource": r["resource"],
                "state": r["state"],
                "peak_utilisation": number(r["peak_utilisation"]),
                "headroom": number(r["headroom"]),
                "headroom_target": number(r["headroom_target"]),
                "crossings": crossing,
            }
        )
    rank = {"emergency": 0, "scale": 1, "warn": 2, "ok": 3}
    shown.sort(key=lambda x: (rank.get(x["state"], 4), -(x["peak_utilisation"] or 0)))
    return {"day": day.isoformat(), "resources": len(rows), "shown": shown}
