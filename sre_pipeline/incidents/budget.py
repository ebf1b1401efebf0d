"""What each incident cost: the bad events of each SLO of its services inside the incident's
span, as a share of the SLO period's error budget and as minutes of full downtime
(docs/incidents.md).

Counting rule: an SLI bucket ``[start, start + width)`` contributes its bad events in
proportion to its overlap with the span ``[started, resolved)`` (an open incident runs to
``now``, or to the end of the SLO's collected events when they end before), so a span aligned
to buckets counts exactly the buckets inside it and a half-covered bucket counts half. The
budget is ``(1 - objective)`` times the total events of the SLO period that ends with the span
(the rolling window, or the calendar period containing the span's end); downtime minutes are
the bad events over the period's mean events per minute.
The workbook rule (:data:`POSTMORTEM_SHARE`) is judged against a 4-week budget whatever the
SLO's own period.

An SLO budgeted in time slices spends its budget in bad slices, not events: its buckets are
first grouped into slices (a slice with events is one "event", bad when its good ratio misses
the slice target, as :mod:`sre_pipeline.slo.budget.timeslices` counts them), and the same
rule then counts bad slices inside the span, the period's slices and the minutes they cover.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import numpy as np
import pandas as pd

from sre_pipeline.incidents.model import Incident
from sre_pipeline.slo.model import SLO

FOUR_WEEKS = timedelta(days=28)
POSTMORTEM_SHARE = 0.20  # more than this of a 4-week budget needs a postmortem with a P0 item
COLUMNS = [
    "incident_id",
    "slo",
    "service",
    "span_start",
    "span_end",
    "bad_events",
    "span_events",
    "span_coverage",
    "period_events",
    "budget_events",
    "budget_share",
    "downtime_minutes",
    "four_week_share",
]


def _utc(ts) -> pd.Timestamp:
    t = pd.Timestamp(ts)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def _overlap(starts: np.ndarray, width: pd.Timedelta, lo: pd.Timestamp, hi: pd.Timestamp):
    """Each bucket's overlapping fraction with ``[lo, hi)``."""
    w = width.value
    begin = np.maximum(starts, lo.value)
    end = np.minimum(starts + w, hi.value)
    return np.clip((end - begin) / w, 0.0, 1.0)


def _units(slo: SLO, part: pd.DataFrame | None, width: pd.Timedelta):
    """What the SLO's budget counts, as (start ns, total, bad, length) per unit: the buckets'
    events, or for a time-slice budget one unit per slice with events (bad when it misses the
    slice target; with RatioTimeslices, bad by its error ratio)."""
    if part is None or part.empty:
        return np.array([], dtype="int64"), np.array([]), np.array([]), width
    starts = part["_start"].to_numpy()
    total, bad = part["total"].to_numpy(dtype=float), part["_bad"].to_numpy(dtype=float)
    b = slo.budgeting
    if b.method not in ("timeslices", "ratio_timeslices"):
        return starts, total, bad, width
    length = pd.Timedelta(b.slice)
    slices = pd.DataFrame({"s": starts - starts % length.value, "t": total, "b": bad})
    sums = slices.groupby("s", sort=True)[["t", "b"]].sum()
    t, missed = sums["t"].to_numpy(), sums["b"].to_numpy()
    has = t > 0
    ratio = np.where(has, (t - missed) / np.where(has, t, 1.0), 1.0)
    # RatioTimeslices: a slice costs its error ratio, not all or nothing
    slice_bad = 1.0 - ratio if b.method == "ratio_timeslices" else ratio < b.slice_target
    return sums.index.to_numpy(), has.astype(float), (has * slice_bad).astype(float), length


def _coverage(part: pd.DataFrame | None, width: pd.Timedelta, lo, hi) -> float:
    """Buckets with data inside ``[lo, hi)`` over the buckets the span holds: 1 when every
    bucket of the span was collected, 0 when none was (the bad events then say nothing)."""
    expected = (hi - lo) / width
    if part is None or expected <= 0:
        return np.nan
    starts = part["_start"].to_numpy()
    return float(min(1.0, _overlap(starts, width, lo, hi).sum() / expected))


def _prepared(events: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Events by SLO id, with bucket starts in ns and bad counts (never negative)."""
    frame = events.assign(
        _start=pd.to_datetime(events["bucket_start"], utc=True).astype("int64"),
        _bad=(events["total"] - events["good"]).clip(lower=0),
    )
    return {str(k): g for k, g in frame.groupby(frame["slo"].astype(str), observed=True)}


def _by_service(slos: Sequence[SLO]) -> dict[str, list[SLO]]:
    out: dict[str, list[SLO]] = {}
    for slo in slos:
        out.setdefault(slo.service, []).append(slo)
    return out


def attribute(
    incidents: Sequence[Incident],
    slos: Sequence[SLO],
    events: pd.DataFrame,
    width: timedelta,
    now,
) -> pd.DataFrame:
    """One row per incident and SLO of its services (see the module docstring). ``events``:
    bucket counts (``slo``, ``bucket_start``, ``good``, ``total``) covering each span and the
    SLO period before it. A period without events has no budget: share and minutes are NaN
    there, never a guess."""
    by_service = _by_service(slos)
    width_td = pd.Timedelta(width)
    parts = _prepared(events)
    rows = []
    for incident in incidents:
        lo = _utc(incident.started_at)
        for service in incident.services:
            for slo in by_service.get(service, []):
                part = parts.get(slo.id)
                hi = _utc(incident.resolved_at) if incident.resolved_at else _utc(now)
                if incident.resolved_at is None and part is not None and len(part):
                    # an open incident costs what was collected so far: up to the last
                    # bucket, so its figures do not shrink as "now" runs past the data
                    last = pd.Timestamp(int(part["_start"].max()), tz="UTC") + width_td
                    hi = max(lo, min(hi, last))
                starts, totals, bads, unit = _units(slo, part, width_td)
                share_in = _overlap(starts, unit, lo, hi)
                bad = float((bads * share_in).sum())
                span_events = float((totals * share_in).sum())
                period_start = (
                    hi - pd.Timedelta(slo.period.length)
                    if slo.period.is_rolling
                    else slo.period.start_at(hi)
                )
                period = float((totals * _overlap(starts, unit, period_start, hi)).sum())
                four = float((totals * _overlap(starts, unit, hi - FOUR_WEEKS, hi)).sum())
                allowed = (1 - slo.objective) * period
                minutes = (hi - period_start).total_seconds() / 60
                rows.append(
                    {
                        "incident_id": incident.incident_id,
                        "slo": slo.id,
                        "service": service,
                        "span_start": lo,
                        "span_end": hi,
                        "bad_events": bad,
                        "span_events": span_events,
                        "span_coverage": _coverage(parts.get(slo.id), width_td, lo, hi),
                        "period_events": period,
                        "budget_events": allowed,
                        "budget_share": bad / allowed if allowed > 0 else np.nan,
                        "downtime_minutes": bad / (period / minutes) if period > 0 else np.nan,
                        "four_week_share": bad / ((1 - slo.objective) * four)
                        if four > 0
                        else np.nan,
                    }
                )
    return pd.DataFrame(rows, columns=COLUMNS)


def needs_p0(attribution: pd.DataFrame, incidents: Sequence[Incident]) -> list[str]:
    """Incidents that consumed more than :data:`POSTMORTEM_SHARE` of a 4-week budget of any
    of their SLOs and lack a postmortem with at least one P0 action item (a draft does not
    count as a postmortem)."""
    over = set(attribution.loc[attribution["four_week_share"] > POSTMORTEM_SHARE, "incident_id"])
    out = []
    for incident in incidents:
        if incident.incident_id not in over:
            continue
        published = (
            incident.postmortem_published_at is not None or incident.postmortem_status == "final"
        )
        has_p0 = any(item.priority == "P0" for item in incident.action_items)
        if not (published and has_p0):
            out.append(incident.incident_id)
    return out


OUTSIDE_COLUMNS = [
    "slo",
    "service",
    "bad_events",
    "incident_bad_events",
    "outside_bad_events",
    "total_events",
]


def _merged(spans: list[tuple[pd.Timestamp, pd.Timestamp]]):
    """Overlapping or touching spans merged, so two incidents at once count their bad events
    once."""
    out: list[list[pd.Timestamp]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return out


def outside_incidents(
    slos: Sequence[SLO],
    events: pd.DataFrame,
    incidents: Sequence[Incident],
    width: timedelta,
    start,
    end,
    now,
) -> pd.DataFrame:
    """Per SLO, the bad events (bad slices for a time-slice budget) of ``[start, end)``, the
    part inside any incident of its service, and the rest: budget spent outside every declared
    incident (a slow burn nobody declared). Spans are cut to ``[start, end)`` and merged
    where incidents overlap; an open incident runs to ``now``."""
    lo_w, hi_w = _utc(start), _utc(end)
    parts = _prepared(events)
    spans: dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]] = {}
    for incident in incidents:
        lo = max(_utc(incident.started_at), lo_w)
        hi = min(_utc(incident.resolved_at) if incident.resolved_at else _utc(now), hi_w)
        if lo < hi:
            for service in incident.services:
                spans.setdefault(service, []).append((lo, hi))
    rows = []
    for slo in slos:
        starts, totals, bads, unit = _units(slo, parts.get(slo.id), pd.Timedelta(width))
        week = _overlap(starts, unit, lo_w, hi_w)
        inside = np.zeros_like(week, dtype=float)
        for lo, hi in _merged(spans.get(slo.service, [])):
            inside += _overlap(starts, unit, lo, hi)
        bad, bad_in = float((bads * week).sum()), float((bads * inside).sum())
        rows.append(
            {
                "slo": slo.id,
                "service": slo.service,
                "bad_events": bad,
                "incident_bad_events": bad_in,
                "outside_bad_events": max(bad - bad_in, 0.0),
                "total_events": float((totals * week).sum()),
            }
        )
    return pd.DataFrame(rows, columns=OUTSIDE_COLUMNS)
