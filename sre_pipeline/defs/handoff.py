"""Frames a step has just written or read, handed to its asset's checks in the same run.

Under the in-process executor an asset's checks run right after it, in the same process, and
would read back from the warehouse the rows the step has just had in memory (a 14-day
back-fill chunk of 500 SLOs is 2 million rows). The step hands its frame over instead, for
one window of time, and the check takes it when it checks that window in the same run; the
rest of the check's window (a day collected only up to now) is read from the warehouse.

A frame is handed over only when it is exactly what the warehouse holds for its window: a
collection that replaced the whole window (it fails otherwise, and its checks do not run),
and the events a status step read. Elsewhere (another process, a check run on its own, a
later run) the check finds nothing here and reads the warehouse, as it always may. One frame
per asset is kept, and taking it removes it, so memory stays bounded.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pandas as pd

_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Handoff:
    run_id: str
    start: pd.Timestamp
    end: pd.Timestamp
    frame: pd.DataFrame


_LAST: dict[str, _Handoff] = {}


def give(run_id: str, asset: str, frame: pd.DataFrame, start, end) -> None:
    """Hand over ``frame``: what the warehouse holds for ``asset`` in ``[start, end)``."""
    with _LOCK:
        _LAST[asset] = _Handoff(run_id, pd.Timestamp(start), pd.Timestamp(end), frame)


def take(run_id: str, asset: str, start, end) -> tuple[pd.DataFrame, pd.Timestamp] | None:
    """The frame handed over for ``asset`` by this run from ``start``, and where it ends (at
    most ``end``), or None when there is none (another run's, another window's: dropped)."""
    with _LOCK:
        handed = _LAST.pop(asset, None)
    if handed is None or handed.run_id != run_id:
        return None
    if handed.start != pd.Timestamp(start) or handed.end > pd.Timestamp(end):
        return None
    return handed.frame, handed.end


def clear() -> None:
    """Forget every frame (tests)."""
    with _LOCK:
        _LAST.clear()
