"""Great Expectations in a worker process, started when a run starts, so that GX's import
(about 5 s here: it imports scipy, altair and pydantic models by the hundred) runs on another
core while the run collects and computes, instead of in the middle of the run's first check.

A run's checks send the worker the frame to validate and the suite's specs, and get plain
results back (:class:`~sre_pipeline.quality.gx_runner.Checked`); the samples, the custom
outcomes and the report are made in the run's own process, as without a worker. The worker
is a :class:`~concurrent.futures.ProcessPoolExecutor` of one ``spawn`` process, shared by every
run of the process (``sre-pipeline backfill`` runs several) and ended with it.

Where a worker cannot help or cannot run, validation stays in the process: when
``SRE_PIPELINE_GX_WORKER=0``; in a daemonic process (which may not start children); and when
the worker breaks (it is discarded, the validation is repeated here, and a failure of GX's
own then surfaces here, as it would without a worker).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pandas as pd

from sre_pipeline.quality import gx_runner

ENV = "SRE_PIPELINE_GX_WORKER"
_LOCK = threading.Lock()
_POOL: list[ProcessPoolExecutor] = []  # zero or one


def enabled() -> bool:
    """Whether this process may start a worker (``SRE_PIPELINE_GX_WORKER`` not off, and not a
    daemonic process)."""
    if os.environ.get(ENV, "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    return not multiprocessing.current_process().daemon


def _init() -> None:
    # Ctrl-C is the parent's to handle (it ends the worker on its way out); then GX, now
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gx_runner.warm_up()


def start() -> bool:
    """Start the worker now unless one runs (or workers are off); True when one runs. Returns
    at once: the worker imports GX in the background."""
    with _LOCK:
        if not _POOL and enabled():
            pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_init
            )
            pool.submit(int)  # a pool starts its process on the first task: start it now
            _POOL.append(pool)
        return bool(_POOL)


def stop() -> None:
    """End the worker (a new one starts on the next :func:`start`)."""
    with _LOCK:
        pools = list(_POOL)
        _POOL.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)


def running() -> bool:
    """Whether a worker is running."""
    with _LOCK:
        return bool(_POOL)


def validate(
    name: str,
    specs: Sequence[gx_runner.Spec],
    checked: pd.DataFrame,
    parameters: Mapping[str, Any],
) -> list[gx_runner.Checked]:
    """:func:`gx_runner.validate` in the worker when one runs, else in this process."""
    with _LOCK:
        pool = _POOL[0] if _POOL else None
    if pool is not None:
        try:
            return pool.submit(gx_runner.validate, name, specs, checked, parameters).result()
        except BrokenProcessPool:  # the worker died (killed, out of memory): carry on here
            with _LOCK:
                if _POOL and _POOL[0] is pool:
                    _POOL.clear()
            pool.shutdown(wait=False, cancel_futures=True)
    return gx_runner.validate(name, specs, checked, parameters)
