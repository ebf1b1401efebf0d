"""Versioned warehouse upgrades with Alembic, run from code (no alembic.ini to ship).

Opening a warehouse upgrades it in place to the newest revision and keeps its data; a
brand-new database is created by running every revision from the first.
"""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
UPGRADE_LOCK = 7_305_271_001  # an arbitrary, fixed advisory-lock key for schema upgrades
# Alembic's ``op`` and ``context`` are module-level proxies: two threads of one process (runs
# of the in-process executor, a schedule next to a back-fill) must not migrate at once
_THREAD_LOCK = threading.Lock()


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision a warehouse is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Upgrade ``engine``'s warehouse to ``revision`` in one transaction; returns the result."""
    config = _config()
    with _THREAD_LOCK, engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # parallel steps of one run may open an empty warehouse at once: one upgrades, the
            # others wait here and then find it done
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK})")
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    return current_revision(engine)
