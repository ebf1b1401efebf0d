"""Great Expectations in a worker process, started when a run starts, so that GX's import
(about 5 s here: it imports scipy, altair and pydantic models by the hundred) runs on another
core while the run collects and computes, instead of in the middle of the run's first check.

A run's checks send the worker the frame to validate and the suite's specs, and get plain
results back (:class:`~sre_pipeline.quality.gx_runner.Checked`); the samples, the custom
outcomes and the report are made in the run's own process, as without a worker. The worker
is one daemonic ``spawn`` process, answering over a pipe, shared by every run of the process
(``sre-pipeline backfill`` runs several) and ended with it: terminated at exit rather than
waited for, and gone by itself when its parent is (the pipe closes).

A step may also send a request ahead (:func:`prefetch`: a collection, the rows it is about to
write), so the worker validates while the step writes; the check then asks for the same
validation and gets that answer, without waiting for a second one. An answer is reused only for
a request equal to the one sent (suite, specs, parameters and every value of the frame);
anything else is validated as usual, and an unclaimed answer is dropped by the next request.

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
from multiprocessing.connection import Connection
from typing import Any

import pandas as pd

from sre_pipeline.quality import gx_runner

ENV = "SRE_PIPELINE_GX_WORKER"
NICE = 10
_LOCK = threading.Lock()  # one request at a time: the worker answers in order
_WORKER: list[tuple[multiprocessing.Process, Connection]] = []  # zero or one
_PENDING: list[tuple] = []  # zero or one request sent ahead, its answer not yet received
STATS = {"prefetched": 0, "reused": 0}  # requests sent ahead, and answers a check reused


def enabled() -> bool:
    """Whether this process may start a worker (``SRE_PIPELINE_GX_WORKER`` not off, and not a
    daemonic process)."""
    if os.environ.get(ENV, "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    return not multiprocessing.current_process().daemon


def _serve(conn: Connection) -> None:
    """The worker: import GX, then validate what arrives until the parent goes away."""
    # Ctrl-C is the parent's to handle; it ends the worker on its way out
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # a spawned child inherits "spawn" as its default start method, under which a library's
    # multiprocessing lock (tqdm's, taken when GX validates) is a named semaphore registered
    # with the resource tracker, "leaked" when the worker is terminated; "fork" locks are
    # unlinked at once (the worker never starts processes of its own)
    multiprocessing.set_start_method("fork", force=True)
    # behind the run and the servers it talks to: GX is needed only when the first check runs
    os.nice(NICE)
    gx_runner.warm_up()
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):  # the parent has gone: nothing more to validate
            return
        try:
            answer = ("ok", gx_runner.validate(*request))
        except Exception as exc:  # noqa: BLE001 - sent back and raised in the parent
            answer = ("error", exc)
        conn.send(answer)


def start() -> bool:
    """Start the worker now unless one runs (or workers are off); True when one runs. Returns
    at once: the worker imports GX in the background."""
    with _LOCK:
        if not _WORKER and enabled():
            ctx = multiprocessing.get_context("spawn")
            ours, theirs = ctx.Pipe()
            # daemonic: ended (not waited for) when this process exits
            process = ctx.Process(target=_serve, args=(theirs,), name="gx-worker", daemon=True)
            process.start()
            theirs.close()
            _WORKER.append((process, ours))
        return bool(_WORKER)


def stop() -> None:
    """End the worker (a new one starts on the next :func:`start`)."""
    with _LOCK:
        _discard()


def _discard() -> None:
    _PENDING.clear()
    while _WORKER:
        process, conn = _WORKER.pop()
        conn.close()
        process.terminate()
        process.join()


def running() -> bool:
    """Whether a worker is running."""
    with _LOCK:
        return bool(_WORKER) and _WORKER[0][0].is_alive()


def prefetch(
    name: str,
    specs: Sequence[gx_runner.Spec],
    checked: pd.DataFrame,
    parameters: Mapping[str, Any],
) -> bool:
    """Send a validation ahead to the worker and return at once (True), so that the
    :func:`validate` of an equal request later gets its answer; False (nothing sent) without
    a worker or with a request already ahead."""
    with _LOCK:
        if not _WORKER or _PENDING:
            return False
        request = (name, list(specs), checked.reset_index(drop=True), dict(parameters))
        try:
            _WORKER[0][1].send(request)
        except (EOFError, OSError, BrokenPipeError):  # the worker died: the check validates
            _discard()
            return False
        _PENDING.append(request)
        STATS["prefetched"] += 1
        return True


def _same(a: tuple, b: tuple) -> bool:
    """Whether two requests ask for the same validation (every value of the frames too)."""
    return (
        a[0] == b[0]
        and a[1] == b[1]
        and a[3] == b[3]
        and list(a[2].columns) == list(b[2].columns)
        and a[2].dtypes.equals(b[2].dtypes)
        and a[2].equals(b[2])
    )


def validate(
    name: str,
    specs: Sequence[gx_runner.Spec],
    checked: pd.DataFrame,
    parameters: Mapping[str, Any],
) -> list[gx_runner.Checked]:
    """:func:`gx_runner.validate` in the worker when one runs, else in this process; the answer
    to an equal request sent ahead (:func:`prefetch`) when there is one."""
    request = (name, list(specs), checked, dict(parameters))
    with _LOCK:
        if _WORKER:
            _, conn = _WORKER[0]
            try:
                if _PENDING:  # the worker answers in order: that answer comes first
                    ahead = _PENDING.pop()
                    status, answer = conn.recv()
                    if _same(ahead, request):
                        STATS["reused"] += 1
                        return _answer(status, answer)
                conn.send(request)
                status, answer = conn.recv()
            except (EOFError, OSError, BrokenPipeError):  # the worker died: carry on here
                _discard()
            else:
                return _answer(status, answer)
    return gx_runner.validate(name, specs, checked, parameters)


def _answer(status: str, answer):
    if status == "error":
        raise answer
    return answer
