"""A lock that two processes sending the same outbound action agree on, held across the check
"was it sent?", the send and the record of it, so two runs of one week at once send once.

PostgreSQL: a session-level advisory lock on a connection of its own. SQLite: an exclusive
``flock`` on a file beside the database (the database's own locks cannot be held across the
other connections the send uses); an in-memory database takes a process-local lock.
"""

from __future__ import annotations

import fcntl
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

_LOCAL: dict[str, threading.Lock] = {}
_GUARD = threading.Lock()


@contextmanager
def outbound_lock(engine: Engine, name: str) -> Iterator[None]:
    """Hold the lock ``name`` (e.g. ``review_email:2026-W46``) for the block."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT pg_advisory_lock(hashtext(%s))", (name,))
            try:
                yield
            finally:
                conn.exec_driver_sql("SELECT pg_advisory_unlock(hashtext(%s))", (name,))
                conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        with _GUARD:
            lock = _LOCAL.setdefault(name, threading.Lock())
        with lock:
            yield
        return
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    path = Path(f"{database}.{safe}.lock")
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
