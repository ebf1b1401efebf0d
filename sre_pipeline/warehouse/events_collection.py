"""Collect and store SLI events for a step's days: whole, or from each SLO's resume point.

A step over finished days (a back-fill chunk, the status job's re-collection of yesterday)
collects every bucket of its window and rolls each day up whole. A step over the one day still
in progress (the hourly job) resumes each SLO where its stored roll-up says the day settled
(:mod:`sre_pipeline.slo.budget.resume`): it queries only the unsettled tail and continues the
roll-up exactly, so its cost stays about an hour's whatever the hour. Each resume group is
written as the whole collection was: only successful SLOs are replaced, in one transaction
with their roll-ups; failed ones keep what is stored (and their older resume point).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Engine

from sre_pipeline.slo.budget.daily import collected_rollups, day_bounds
from sre_pipeline.slo.budget.resume import Resume, resume_plan, settle_point
from sre_pipeline.slo.budget.rollup import continued_rollups, settled_digest
from sre_pipeline.slo.model import SLO
from sre_pipeline.sources.collector import CollectResult
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.collected import CollectedWrite, write_collected
from sre_pipeline.warehouse.reads import read_rollups

Collect = Callable[[Sequence[SLO], pd.Timestamp, pd.Timestamp], CollectResult]


@dataclass
class EventsCollection:
    """What a step collected and wrote."""

    frame: pd.DataFrame  # every group's rows (each inside its own window)
    groups: list[Resume]
    written: CollectedWrite = field(default_factory=lambda: CollectedWrite(0, 0))
    errors: list[tuple[str, str]] = field(default_factory=list)  # (what failed, why)
    no_data: list[str] = field(default_factory=list)
    queries: int = 0
    rows_before: dict[str, int] = field(default_factory=dict)  # stored before a resume point
    # a day in progress: digests of its roll-ups before the write (when resumed) and after
    settled_before: str | None = None
    settled_after: str | None = None

    @property
    def whole(self) -> bool:
        """True when the step collected its whole window (every SLO from its start)."""
        return len({g.since for g in self.groups}) == 1 and all(
            g.prior is None for g in self.groups
        )


def collect_events(
    engine: Engine,
    collect: Collect,
    slos: Sequence[SLO],
    days: Sequence[date],
    tz: str,
    window: tuple[pd.Timestamp, pd.Timestamp],
    until: pd.Timestamp,
    width: timedelta,
    overlap: timedelta,
    resume: bool = True,
    before_write: Callable[[pd.DataFrame], None] | None = None,
) -> EventsCollection:
    """Collect ``days`` (``window``: their UTC bounds) up to ``until`` and store them. With
    ``resume`` a single day in progress resumes from what is stored; otherwise (or for
    several days) the whole window is collected, and a day in progress is rolled up to its
    settle point (so the next resumed run re-collects its unsettled tail). ``before_write``
    gets the frame of a whole collection before it is written (to start validating it)."""
    start, end = window
    ids = [s.id for s in slos]
    bucket_s = int(width.total_seconds())
    stored = None
    if resume and len(days) == 1 and until < end:
        stored = read_rollups(engine, start, start + timedelta(seconds=1), ids)
        groups = resume_plan(stored, slos, (start, end), until, width, overlap)
    else:
        groups = _whole(slos, days, tz, window, until, width, overlap)
    out = EventsCollection(pd.DataFrame(), groups)
    written_rollups = []
    by_since: dict[pd.Timestamp, list[Resume]] = {}
    for g in groups:  # one range per query: the groups that start together are asked together
        by_since.setdefault(g.since, []).append(g)
    whole = len(by_since) == 1 and all(g.prior is None for g in groups)
    frames, written = [], []
    for since, together in sorted(by_since.items()):
        members = [slos[i] for g in together for i in g.slos]
        result = collect(members, since, until)
        frame = result.events
        frame = frame[(frame["bucket_start"] >= since) & (frame["bucket_start"] < until)]
        parts = [
            _rollups(frame, slos, g, days, tz, start, width, len(together) > 1) for g in together
        ]
        filled = [p for p in parts if len(p)]  # none: a day that has not settled yet
        rollups = pd.concat(filled, ignore_index=True) if filled else parts[0]
        written_rollups.append(rollups)
        for g in together:
            if g.prior is not None:
                out.rows_before.update(
                    zip(g.prior["slo"].astype(str), g.prior["buckets"].astype(int), strict=True)
                )
        members_ids = [s.id for s in members]
        if whole and before_write is not None and not result.failures:
            before_write(frame)
        written.append(
            write_collected(
                engine,
                tables.sli_events,
                frame,
                (since, until),
                "bucket_start",
                "slo",
                members_ids,
                result.failed_slos,
                result.no_data,
                companions=[(tables.slo_daily, rollups, "day_start")],
                # a resumed day's roll-up rows start at its midnight, before this window
                companion_window=None if whole else (start, end),
                others=set(ids) - set(members_ids),
            )
        )
        frames.append(frame)
        out.errors += [(f"{f.slo} ({f.role})", f.error) for f in result.failures]
        out.no_data += list(result.no_data)
        out.queries += result.queries
    out.frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    out.written = CollectedWrite(
        sum(w.deleted for w in written),
        sum(w.inserted for w in written),
        [k for w in written for k in w.replaced],
        [k for w in written for k in w.kept],
        [k for w in written for k in w.vanished],
    )
    if len(days) == 1 and until < end:
        if stored is not None and not out.whole:
            out.settled_before = settled_digest(stored, ids, bucket_s)
        filled = [r for r in written_rollups if len(r)]
        after = pd.concat(filled, ignore_index=True) if filled else written_rollups[0]
        out.settled_after = settled_digest(after, ids, bucket_s)
    return out


def _whole(slos, days, tz, window, until, width, overlap) -> list[Resume]:
    """Every SLO from the window's start; a day in progress rolled up to each SLO's settle
    point (so the next resumed run re-collects its unsettled tail), finished days whole."""
    start, end = window
    if until >= end:
        return [Resume(start, end, list(range(len(slos))), None)]
    last = max(day_bounds(days[-1], tz)[0], start)
    by_settle: dict[pd.Timestamp, list[int]] = {}
    for i, slo in enumerate(slos):
        by_settle.setdefault(settle_point(last, until, width, overlap, slo), []).append(i)
    return [Resume(start, settle, members, None) for settle, members in sorted(by_settle.items())]


def _rollups(frame, slos, group: Resume, days, tz, start, width, split: bool) -> pd.DataFrame:
    """The roll-up rows of one group from the frame collected for it (and others: ``split``)."""
    members = [slos[i] for i in group.slos]
    if split:
        frame = frame[frame["slo"].astype(object).isin({s.id for s in members})]
    if group.prior is None:  # every day of the window from its start, each up to the settle
        return collected_rollups(frame, members, days, tz, (start, group.settle), width)
    width_ns = int(width.total_seconds()) * 10**9
    return continued_rollups(
        frame, members, start, group.since, group.settle, width_ns, group.prior
    )
