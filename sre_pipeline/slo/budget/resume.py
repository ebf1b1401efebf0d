"""Where the collection of a day still in progress resumes: from each SLO's settled point.

The hourly job collects today again every hour. Re-querying the whole day so far each time
made its cost grow through the day (at 10,000 SLOs and 18:00, 20,000 queries over 18 hours and
2.2 million rows rewritten). A day's buckets settle: once a bucket is older than the
``overlap`` (late samples, remote-write lag), a new query gives the same counts. So every
collection of a day in progress rolls up only the settled part of the day, ``[midnight,
settle)``, and the roll-up row's ``day_end`` is that settle point; the next collection resumes
there, re-collecting the unsettled tail, and continues the roll-up exactly
(:func:`~.rollup.continued_rollups`). The daily status job collects the finished day whole, as
before, which also catches a sample later than the overlap.

Settle points are whole hours (a multiple of the bucket width, and of a longer time slice),
so the SLOs of a catalog resume together and each run sends one range per query. An SLO
resumes from midnight instead when nothing usable is stored: no roll-up row for the day (a
new SLO, the first run of the day), a row made under another budgeting (an edited slice or
target) or not on one of its slice boundaries, or a row that ends after the run's own end (a
run with an earlier clock). An edited query is not seen here: ``backfill --force`` (the run
tag ``sre_pipeline/collect_whole_day``) collects the day from midnight, and the status job
collects it whole after it ends.
An SLO whose collection failed keeps its stored row, so the next run resumes from its older
settle point and fills the gap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from sre_pipeline.slo.budget.rollup import interval_key
from sre_pipeline.slo.model import SLO

SETTLE_GRAIN = timedelta(hours=1)  # settle points are whole hours (and whole buckets)
DEFAULT_OVERLAP = timedelta(hours=1)  # re-collected each run: samples that came in late


@dataclass(frozen=True)
class Resume:
    """SLOs collected from ``since`` and rolled up to ``settle`` (``[day_start, settle)``),
    from their ``prior`` roll-up rows (sums over ``[day_start, since)``, in the order of
    ``slos``; None when they start at midnight)."""

    since: pd.Timestamp
    settle: pd.Timestamp
    slos: list[int]  # positions in the catalog
    prior: pd.DataFrame | None


def settle_point(
    day_start: pd.Timestamp,
    until: pd.Timestamp,
    width: timedelta,
    overlap: timedelta,
    slo: SLO | None = None,
) -> pd.Timestamp:
    """Where a collection up to ``until`` settles its day: ``until - overlap``, down to a
    whole hour (a whole bucket, and a whole slice of ``slo``'s time slices: a roll-up ends on
    a slice boundary to be continued), not before the day's start."""
    grain = math.lcm(int(width.total_seconds()), int(SETTLE_GRAIN.total_seconds()))
    if slo is not None and slo.budgeting.slice is not None:
        grain = math.lcm(grain, int(slo.budgeting.slice.total_seconds()))
    point = (until - overlap).floor(f"{grain}s")
    return min(max(point, day_start), until)


def resume_plan(
    rollups: pd.DataFrame,
    slos: Sequence[SLO],
    day: tuple[pd.Timestamp, pd.Timestamp],
    until: pd.Timestamp,
    width: timedelta,
    overlap: timedelta = DEFAULT_OVERLAP,
) -> list[Resume]:
    """The groups of a collection of the local day ``day`` (start, end) up to ``until``, from
    the day's stored roll-up rows (``rollups``: columns of ``slo_daily``). A finished day
    (``until`` at its end) is collected whole and rolled up whole."""
    day_start, day_end = day
    if until >= day_end:
        return [Resume(day_start, day_end, list(range(len(slos))), None)]
    stored = _stored_rows(rollups, day_start)
    fresh: dict[pd.Timestamp, list[int]] = {}
    resumed: dict[tuple[pd.Timestamp, pd.Timestamp], list[int]] = {}
    for i, slo in enumerate(slos):
        settle = settle_point(day_start, until, width, overlap, slo)
        row = stored.get(slo.id)
        end = None if row is None else pd.Timestamp(row["day_end"])
        if end is not None and day_start < end <= until:
            point = max(end, settle)
            if row["budgeting"] == interval_key(slo, day_start, point) and _prior_is_own(
                slo, day_start, end, row
            ):
                resumed.setdefault((end, point), []).append(i)
                continue
        fresh.setdefault(settle, []).append(i)
    plan = [Resume(day_start, settle, members, None) for settle, members in sorted(fresh.items())]
    for (since, point), members in sorted(resumed.items()):
        prior = pd.DataFrame([stored[slos[i].id] for i in members]).reset_index(drop=True)
        plan.append(Resume(since, point, members, prior))
    return plan


def _prior_is_own(slo: SLO, day_start: pd.Timestamp, end: pd.Timestamp, row) -> bool:
    """A stored row can be continued only if it was made under the key its own interval
    gives now (a row made when the slice differed says another key)."""
    return row["budgeting"] == interval_key(slo, day_start, end)


def _stored_rows(rollups: pd.DataFrame, day_start: pd.Timestamp) -> dict[str, dict]:
    if rollups is None or rollups.empty:
        return {}
    starts = pd.to_datetime(rollups["day_start"], utc=True)
    rows = rollups[np.asarray(starts == day_start)].copy()
    rows["day_start"] = day_start
    rows["day_end"] = pd.to_datetime(rows["day_end"], utc=True)
    return {str(r["slo"]): r for r in rows.to_dict("records")}
