"""What should have a ticket open right now (docs/tickets.md): each condition the pipeline
tracks, with the stable fingerprint that names its ticket in every tracker.

A condition that holds is a :class:`Wanted` ticket; the lifecycle (open once, comment while it
lasts, close when it clears) compares the wanted fingerprints with the tickets already open.
Fingerprints are ``<kind>:<subject>``, the subject being what the ticket is about (an SLO, a
resource, an action item, a job), so the same problem always maps to the same ticket:

- ``burn-page`` / ``burn-ticket`` (SLO): an alert episode of that severity is firing
  (priority high / normal);
- ``exhaustion`` (SLO): the budget runs out within a day at the current burn (high);
- ``budget-policy`` (SLO): the budget is exhausted, the policy's feature freeze (high);
- ``action-item`` (item id): a postmortem action item still open and not yet in a tracker
  (normal; P0 and P1 items high);
- ``capacity-scale`` / ``capacity-emergency`` (resource): at or above that threshold
  (normal / urgent);
- ``capacity-forecast`` (resource): forecast to cross a threshold inside the horizon (low);
- ``run-failure`` (job): the job's latest run failed (high).

Aspirational SLOs never open tickets: they are tracked, not promised.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from sre_pipeline.slo.model import SLO

PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_WITHIN_HOURS = 24.0  # DESIGN §3: escalation to a high-priority ticket under a day
LEVEL_KIND = {"scale": "capacity-scale", "emergency": "capacity-emergency"}


@dataclass(frozen=True)
class Wanted:
    """A ticket that should be open: its fingerprint, what it says and for whom."""

    fingerprint: str
    kind: str
    subject: str
    title: str
    body: str
    priority: str
    team: str | None = None
    assignee: str | None = None
    due_date: date | None = None
    labels: tuple[str, ...] = field(default=())


def _pct(v) -> str:
    return "unknown" if v is None or pd.isna(v) else f"{v:.1%}"


def slo_conditions(slos: Sequence[SLO], status: pd.DataFrame, firing: pd.DataFrame) -> list[Wanted]:
    """Tickets for SLOs from the newest status row of each (``slo_status``: ``slo``,
    ``budget_remaining``, ``time_to_exhaustion_hours``, ``burn_rate_1h``, ``policy_tier``) and
    the alert episodes still firing (``burn_alert_episodes`` with ``end`` NULL)."""
    by_id = {s.id: s for s in slos if not s.aspirational}
    rows = status.set_index("slo") if len(status) else status
    out = []
    for slo_id, slo in by_id.items():
        row = rows.loc[slo_id] if slo_id in rows.index else None
        if row is None:
            continue
        remaining, tte = row["budget_remaining"], row["time_to_exhaustion_hours"]
        where = f"SLO {slo_id} (service {slo.service}, objective {slo.objective:.3%})"
        if row["policy_tier"] == "exhausted":
            out.append(
                Wanted(
                    f"budget-policy:{slo_id}",
                    "budget-policy",
                    slo_id,
                    f"Error budget exhausted: {slo_id} (feature freeze)",
                    f"{where} has spent its error budget over {slo.period.label} "
                    f"({_pct(remaining)} left). The error-budget policy asks for a feature "
                    "freeze: reliability work only until the budget recovers.",
                    "high",
                    slo.team,
                    slo.owner,
                )
            )
        elif not pd.isna(tte) and 0 < tte < TICKET_WITHIN_HOURS:
            out.append(
                Wanted(
                    f"exhaustion:{slo_id}",
                    "exhaustion",
                    slo_id,
                    f"Error budget of {slo_id} runs out in {tte:.1f} h",
                    f"{where} burns its budget at {row['burn_rate_1h']:.1f}x over the last "
                    f"hour; {_pct(remaining)} is left, gone in {tte:.1f} h at this rate.",
                    "high",
                    slo.team,
                    slo.owner,
                )
            )
    if len(firing):
        for severity, kind, priority in (
            ("page", "burn-page", "high"),
            ("ticket", "burn-ticket", "normal"),
        ):
            mine = firing[firing["severity"] == severity]
            for slo_id, episodes in mine.groupby("slo"):
                slo = by_id.get(str(slo_id))
                if slo is None:
                    continue
                windows = ", ".join(
                    f"{e.long_window}/{e.short_window} since {pd.Timestamp(e.start):%Y-%m-%d %H:%M}"
                    for e in episodes.itertuples()
                )
                out.append(
                    Wanted(
                        f"{kind}:{slo_id}",
                        kind,
                        str(slo_id),
                        f"Burn-rate alert ({severity}): {slo_id}",
                        f"SLO {slo_id} (service {slo.service}) burns its error budget fast "
                        f"enough to fire its {severity} alert: {windows}.",
                        priority,
                        slo.team,
                        slo.owner,
                    )
                )
    return out


def action_item_conditions(items: pd.DataFrame, teams: dict[str, str | None]) -> list[Wanted]:
    """One ticket per postmortem action item still open and not yet in a tracker
    (``tracker_ref`` empty); ``teams``: incident id -> the team to file it with, when the item
    names none."""
    out = []
    for r in items.itertuples():
        if str(r.status).lower() in ("done", "wontfix") or (
            r.tracker_ref and not pd.isna(r.tracker_ref)
        ):
            continue
        priority = "high" if r.priority in ("P0", "P1") else "normal"
        due = None if r.due_date is None or pd.isna(r.due_date) else pd.Timestamp(r.due_date).date()
        out.append(
            Wanted(
                f"action-item:{r.item_id}",
                "action-item",
                str(r.item_id),
                f"[{r.item_id}] {r.title}",
                f"Action item of incident {r.incident_id}: {r.title}. Owner "
                f"{r.owner or 'unassigned'}, due {due or 'no date'}"
                + (f", priority {r.priority}" if r.priority else "")
                + ".",
                priority,
                r.team if r.team and not pd.isna(r.team) else teams.get(str(r.incident_id)),
                r.owner if r.owner and not pd.isna(r.owner) else None,
                due,
                tuple(x for x in (r.priority,) if x),
            )
        )
    return out


def capacity_conditions(status: pd.DataFrame, horizon_days: int = 90) -> list[Wanted]:
    """Tickets from a day's ``capacity_status`` rows: at or above scale (normal), at or above
    emergency (urgent; the scale ticket then stays too), and a forecast crossing of either
    inside ``horizon_days`` (a planning ticket, low)."""
    out = []
    for r in status.itertuples():
        peak = f"peak {_pct(r.peak_utilisation)}"
        for level, priority in (("scale", "normal"), ("emergency", "urgent")):
            if getattr(r, f"{level}_status") == "already above":
                out.append(
                    Wanted(
                        f"{LEVEL_KIND[level]}:{r.resource}",
                        LEVEL_KIND[level],
                        str(r.resource),
                        f"Capacity {level}: {r.resource} ({peak})",
                        f"{r.resource} is at or above its {level} threshold on {r.day} "
                        f"({peak}, headroom {r.headroom:.1f}x against {r.headroom_target:g}x).",
                        priority,
                    )
                )
        crossings = [
            (level, getattr(r, f"{level}_on"))
            for level in ("scale", "emergency")
            if getattr(r, f"{level}_status") == "forecast" and getattr(r, f"{level}_on")
        ]
        soon = [
            (lv, on)
            for lv, on in crossings
            if (pd.Timestamp(on).date() - r.day).days <= horizon_days
        ]
        if soon:
            level, on = soon[0]
            out.append(
                Wanted(
                    f"capacity-forecast:{r.resource}",
                    "capacity-forecast",
                    str(r.resource),
                    f"Capacity planning: {r.resource} reaches {level} around "
                    f"{pd.Timestamp(on):%Y-%m-%d}",
                    f"The trend of {r.resource}'s daily peaks crosses its {level} threshold "
                    f"around {pd.Timestamp(on):%Y-%m-%d} (as of {r.day}, {peak}).",
                    "low",
                )
            )
    return out


def run_failure_conditions(failures: Iterable[tuple[str, str]]) -> list[Wanted]:
    """One ticket per job whose latest run failed: ``(job, message)`` pairs."""
    return [
        Wanted(
            f"run-failure:{job}",
            "run-failure",
            job,
            f"Pipeline job failing: {job}",
            f"The latest run of {job} failed: {message[:1500]}",
            "high",
        )
        for job, message in failures
    ]
