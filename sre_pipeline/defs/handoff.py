"""Frames a step has just written or read, handed to its asset's checks in the same run.

Under the in-process executor an asset's checks run right after it, in the same process, and
would read back from the warehouse the rows the step has just had in memory (a 14-day
back-fill chunk of 500 SLOs is 2 million rows). The step hands its frame over instead, for
one window of time, and the check takes it when it checks that window in the same run; the
rest of the check's window (a day collected only up to now) is read from the warehouse.

A frame is handed over only when it is exactly what the warehouse holds for its window: a
collection that replaced the whole window (it fails otherwise, and its checks do not run),
and the events a status step read. A collection of today that resumed each SLO where it had
settled hands over what it collected from there, with :class:`Settled`: how many rows each
SLO has stored before, and the digests of the day's roll-ups before and after its write (the
check then validates only the new rows if the earlier ones are those a kept check passed).
Elsewhere (another process, a check run on its own, a later run) the check finds nothing here
and reads the warehouse, as it always may. One frame per asset is kept, and taking it removes
it, so memory stays bounded.

A whole collection also shares its frame (:func:`share`) with the steps after it in the run that
compute from those buckets (``slo_status`` of the same days reads nothing back); a shared
frame stays until the next one replaces it or the run's process ends (one at a time).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pandas as pd

_LOCK = threading.Lock()


@dataclass(frozen=True)
class Settled:
    """A day in progress as its collection left it: ``rows_before`` (per SLO, rows stored
    before where the handed frame starts for it; empty when the frame is the whole day so
    far), ``since`` (the latest point a frame starts at), and the digests of the day's
    roll-ups before this write (None when it did not resume) and after it."""

    rows_before: dict[str, int]
    since: pd.Timestamp
    before: str | None
    after: str

    @property
    def resumed(self) -> bool:
        """True when the frame starts at each SLO's resume point, not at midnight."""
        return self.before is not None


@dataclass(frozen=True)
class _Handoff:
    run_id: str
    start: pd.Timestamp
    end: pd.Timestamp
    frame: pd.DataFrame
    settled: Settled | None = None


_LAST: dict[str, _Handoff] = {}


def give(
    run_id: str, asset: str, frame: pd.DataFrame, start, end, settled: Settled | None = None
) -> None:
    """Hand over ``frame``: what the warehouse holds for ``asset`` in ``[start, end)`` (with
    ``settled``: from each SLO's resume point on)."""
    with _LOCK:
        _LAST[asset] = _Handoff(run_id, pd.Timestamp(start), pd.Timestamp(end), frame, settled)


def take(run_id: str, asset: str, start, end) -> tuple[pd.DataFrame, pd.Timestamp] | None:
    """The frame handed over for ``asset`` by this run from ``start``, and where it ends (at
    most ``end``), or None when there is none (another run's, another window's: dropped,
    and a resumed collection's partial frame: see :func:`take_settled`)."""
    handed = _pop(run_id, asset, start, end)
    if handed is None or (handed.settled is not None and handed.settled.resumed):
        return None
    return handed.frame, handed.end


def take_settled(
    run_id: str, asset: str, start, end
) -> tuple[pd.DataFrame, pd.Timestamp, Settled | None] | None:
    """As :func:`take`, with the :class:`Settled` a collection of today handed too (None
    from other steps), and a resumed collection's partial frame as well."""
    handed = _pop(run_id, asset, start, end)
    if handed is None:
        return None
    return handed.frame, handed.end, handed.settled


def _pop(run_id: str, asset: str, start, end) -> _Handoff | None:
    with _LOCK:
        handed = _LAST.pop(asset, None)
    if handed is None or handed.run_id != run_id:
        return None
    if handed.start != pd.Timestamp(start) or handed.end > pd.Timestamp(end):
        return None
    return handed


_SHARED: dict[str, _Handoff] = {}


def share(run_id: str, name: str, frame: pd.DataFrame, start, end) -> None:
    """Keep ``frame`` (what the warehouse holds in ``[start, end)``) for the later steps of
    the run that read it (:func:`shared`); it replaces the frame shared before under ``name``."""
    with _LOCK:
        _SHARED[name] = _Handoff(run_id, pd.Timestamp(start), pd.Timestamp(end), frame)


def shared(run_id: str, name: str) -> tuple[pd.DataFrame, pd.Timestamp, pd.Timestamp] | None:
    """The frame this run shared under ``name``, with its window, or None (not taken: every
    later step of the run may read it)."""
    with _LOCK:
        handed = _SHARED.get(name)
    if handed is None or handed.run_id != run_id:
        return None
    return handed.frame, handed.start, handed.end


def unshare(name: str) -> None:
    """Forget the frame shared under ``name`` (a later write changed what it stands for)."""
    with _LOCK:
        _SHARED.pop(name, None)


def clear() -> None:
    """Forget every frame (tests)."""
    with _LOCK:
        _LAST.clear()
        _SHARED.clear()
