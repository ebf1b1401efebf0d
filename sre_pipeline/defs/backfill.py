"""Back-fills without the daemon: the same runs a UI back-fill launches, in this process.

A UI back-fill of the daily assets needs the daemon (their back-fill policy runs up to 14 days
per run). This plans the same chunks of at most 14 consecutive days, as runs of the code
location's implicit asset job (what the UI's back-fill runs): each chunk's collection assets,
with the status assets of the same days in the same run (their partition mappings read the
events of those days and before, which are then in place; ``burn_alerts`` also reads the
three days after, so its chunks wait for the last collection). Days already complete are
skipped unless forced: a day is complete for an asset when its latest materialisation of
that day happened after the day had ended (a day collected at 23:05 is not).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import dagster as dg
import pandas as pd

from sre_pipeline.defs.collection_assets import WHOLE_DAY_TAG
from sre_pipeline.defs.runner import ASSET_JOB, LocalRunner, Progress, RunOutcome, range_tags
from sre_pipeline.slo.budget.daily import day_bounds

PHASES = (
    ("sli_events", "capacity_samples", "capacity_daily"),
    ("slo_status", "burn_alerts", "capacity_status"),
)
DAILY_ASSETS = tuple(a for phase in PHASES for a in phase)
# status assets whose partition mapping reaches days after their own (episodes followed to
# their end): their chunk runs only once every later day of the back-fill is collected
READS_AHEAD = ("burn_alerts",)
CHUNK_DAYS = 14  # the daily assets' BackfillPolicy.multi_run(max_partitions_per_run=14)


@dataclass(frozen=True)
class Chunk:
    """One run of the back-fill: some assets over the days ``first..last``."""

    assets: tuple[str, ...]
    first: date
    last: date

    @property
    def days(self) -> int:
        """How many days the run covers."""
        return (self.last - self.first).days + 1

    def label(self) -> str:
        """``sli_events, capacity_samples 2026-10-01..2026-10-14``."""
        span = self.first.isoformat() + (f"..{self.last}" if self.last != self.first else "")
        return f"{', '.join(self.assets)} {span}"


def _runs(days: Sequence[date]) -> list[list[date]]:
    """Consecutive days grouped, each group cut into chunks of :data:`CHUNK_DAYS`."""
    groups: list[list[date]] = []
    for day in days:
        if groups and day - groups[-1][-1] == timedelta(days=1) and len(groups[-1]) < CHUNK_DAYS:
            groups[-1].append(day)
        else:
            groups.append([day])
    return groups


def plan(
    phase_days: Sequence[tuple[Sequence[str], Sequence[date]]],
    complete: Callable[[str, date], bool],
    force: bool = False,
) -> list[Chunk]:
    """The runs for ``(assets, days)`` phases in order, skipping days complete for every
    asset of the phase unless ``force``."""
    chunks = []
    for assets, days in phase_days:
        if not assets:
            continue
        todo = [d for d in sorted(days) if force or not all(complete(a, d) for a in assets)]
        chunks += [Chunk(tuple(assets), g[0], g[-1]) for g in _runs(todo)]
    return chunks


def in_one_run(chunks: Sequence[Chunk], first: Sequence[str] = ()) -> list[Chunk]:
    """The chunks as runs: ``first`` (the catalog) selected in the first run too, and each
    status chunk run with the collection chunk of the same days when nothing it reads is
    collected later: within a run Dagster orders the steps by their dependencies (collection
    before status), the status takes the buckets the collection has in hand instead of
    reading them back, and a run's own start-up is paid once. Assets that read days after
    their own (:data:`READS_AHEAD`) join only the last collection run; every status chunk
    that joins none runs after all collection runs, as planned."""
    collect = [c for c in chunks if set(c.assets) <= set(PHASES[0])]
    runs, later = list(collect), []
    for chunk in chunks:
        if chunk in collect:
            continue
        at = next(
            (i for i, c in enumerate(collect) if (c.first, c.last) == (chunk.first, chunk.last)),
            None,
        )
        ahead = [a for a in chunk.assets if a in READS_AHEAD]
        join = [
            a for a in chunk.assets if at is not None and (a not in ahead or at == len(collect) - 1)
        ]
        if join:
            runs[at] = Chunk((*runs[at].assets, *join), chunk.first, chunk.last)
        rest = tuple(a for a in chunk.assets if a not in join)
        if rest:
            later.append(Chunk(rest, chunk.first, chunk.last))
    runs += later
    if runs and first:
        runs[0] = Chunk((*first, *runs[0].assets), runs[0].first, runs[0].last)
    return runs


def phases_for(assets: Sequence[str], days: Sequence[date]) -> list[tuple[list[str], list[date]]]:
    """The selected daily assets split into the collection and status phases."""
    return [([a for a in phase if a in assets], list(days)) for phase in PHASES]


class Completeness:
    """Which days the Dagster instance holds a final materialisation for."""

    def __init__(self, instance: dg.DagsterInstance, time_zone: str, now: pd.Timestamp):
        self.instance, self.time_zone, self.now = instance, time_zone, now
        self._latest: dict[str, dict[str, float]] = {}

    def _latest_by_day(self, asset: str) -> dict[str, float]:
        if asset not in self._latest:
            latest: dict[str, float] = {}
            cursor = None
            while True:  # newest first, in pages (Dagster serves at most 10,000 at a time)
                page = self.instance.fetch_materializations(
                    dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset)),
                    limit=10_000,
                    cursor=cursor,
                )
                for record in page.records:
                    if record.partition_key is not None:
                        latest.setdefault(record.partition_key, record.timestamp)
                if not page.has_more:
                    break
                cursor = page.cursor
            self._latest[asset] = latest
        return self._latest[asset]

    def __call__(self, asset: str, day: date) -> bool:
        """True when ``asset`` was last materialised for ``day`` after the day had ended."""
        at = self._latest_by_day(asset).get(day.isoformat())
        end = day_bounds(day, self.time_zone)[1]
        return at is not None and end <= self.now and at >= end.timestamp()


def run_plan(
    runner: LocalRunner,
    chunks: Sequence[Chunk],
    progress: Progress | None = None,
    on_done: Callable[[Chunk, RunOutcome], None] | None = None,
    whole_days: bool = False,
) -> list[tuple[Chunk, RunOutcome]]:
    """Run the chunks in order; stop at the first failed run (later runs would compute from
    it). Returns what ran. ``whole_days``: today is collected from midnight too (a forced
    back-fill), not resumed from where each SLO settled."""
    done = []
    for chunk in chunks:
        tags = range_tags(chunk.first.isoformat(), chunk.last.isoformat())
        if whole_days:
            tags[WHOLE_DAY_TAG] = "true"
        outcome = runner.run(ASSET_JOB, tags, chunk.assets, progress)
        done.append((chunk, outcome))
        if on_done:
            on_done(chunk, outcome)
        if not outcome.success:
            break
    return done
