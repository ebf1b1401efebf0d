"""Warehouse engine from a URL: SQLite under the pipeline's home by default, PostgreSQL in
production (``SRE_PIPELINE_WAREHOUSE_URL``)."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event

ENV_URL = "SRE_PIPELINE_WAREHOUSE_URL"
SQLITE_BUSY_MS = 30_000  # a UI read waits for a run's write instead of failing at once


def pipeline_home() -> Path:
    """``$SRE_PIPELINE_HOME`` or ``~/.sre_pipeline``."""
    return Path(os.environ.get("SRE_PIPELINE_HOME", Path.home() / ".sre_pipeline"))


def cache_dir() -> Path | None:
    """Where parsed spec catalogs are kept between processes: ``$SRE_PIPELINE_CACHE_DIR``, or
    ``cache`` under the pipeline's home; None (nothing kept) when that variable is ``off``."""
    value = os.environ.get("SRE_PIPELINE_CACHE_DIR")
    if value == "off":
        return None
    return Path(value) if value else pipeline_home() / "cache"


def default_url() -> str:
    """``$SRE_PIPELINE_WAREHOUSE_URL`` or a SQLite file under the pipeline's home."""
    url = os.environ.get(ENV_URL)
    if url:
        return url
    home = pipeline_home()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'warehouse.db'}"


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default :func:`default_url`).

    SQLite gets WAL mode (readers do not block the writer, so the Dagster UI can read while a
    run writes), a busy timeout and enforced foreign keys on every connection.
    """
    url = url or default_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, much faster commits
    cursor.close()
