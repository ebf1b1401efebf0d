"""Warehouse fixtures: every warehouse test runs on SQLite and on a real PostgreSQL 15.

The fixtures are lazy: PostgreSQL starts (once per session) only when a test asks for the
``postgresql`` variant of ``warehouse_url`` / ``warehouse_engine`` or for ``postgres_server``.
The other services (Redmine, Redis) are session fixtures started the same way, on first use.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from sre_pipeline_tests.services.postgres import PostgresServer, start_postgres
from sre_pipeline_tests.services.redis import RedisServer, start_redis
from sre_pipeline_tests.services.redmine import RedmineServer, start_redmine

# the fast lane (-m "not slow") runs the SQLite variant; CI runs both
DIALECT_PARAMS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.slow),
]


@pytest.fixture(scope="session", autouse=True)
def _spec_cache_dir(tmp_path_factory) -> Iterator[None]:
    """Parsed catalogs kept in the session's own directory, never under the user's home (CLI
    subprocesses inherit it; tests of the cache set their own)."""
    before = os.environ.get("SRE_PIPELINE_CACHE_DIR")
    os.environ["SRE_PIPELINE_CACHE_DIR"] = str(tmp_path_factory.mktemp("spec-cache"))
    yield
    if before is None:
        os.environ.pop("SRE_PIPELINE_CACHE_DIR", None)
    else:
        os.environ["SRE_PIPELINE_CACHE_DIR"] = before


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory) -> Iterator[PostgresServer]:
    """One disposable PostgreSQL 15 for the session, stopped (and its directory removed) after."""
    server = start_postgres(tmp_path_factory.mktemp("postgres"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def new_warehouse_url(request, tmp_path) -> Iterator[Callable[[str], str]]:
    """A factory of URLs of fresh, empty warehouses (``"sqlite"`` or ``"postgresql"``).

    PostgreSQL databases it created are dropped after the test, connections terminated first.
    """
    created: list[tuple[PostgresServer, str]] = []
    count = 0

    def make(dialect: str) -> str:
        nonlocal count
        count += 1
        if dialect == "sqlite":
            return f"sqlite:///{tmp_path}/warehouse{'' if count == 1 else count}.db"
        if dialect == "postgresql":
            server: PostgresServer = request.getfixturevalue("postgres_server")
            name = f"t_{secrets.token_hex(8)}"
            created.append((server, name))
            return server.create_database(name)
        raise ValueError(f"unknown warehouse dialect {dialect!r}")

    try:
        yield make
    finally:
        for server, name in created:
            server.drop_database(name)


@pytest.fixture(params=DIALECT_PARAMS)
def warehouse_url(request, new_warehouse_url) -> str:
    """The URL of a fresh, empty warehouse database, once on SQLite and once on PostgreSQL."""
    return new_warehouse_url(request.param)


@pytest.fixture
def warehouse_engine(warehouse_url) -> Iterator[sa.Engine]:
    """A SQLAlchemy engine on ``warehouse_url``, disposed after the test."""
    engine = sa.create_engine(warehouse_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def redmine_server(tmp_path_factory) -> Iterator[RedmineServer]:
    """One disposable Redmine (fresh SQLite database, project ``ops``) for the session, started
    only when a test asks for it; stopped, and its instance removed, after."""
    server = start_redmine(tmp_path_factory.mktemp("redmine"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    """One disposable Redis (no persistence) for the session, started only when a test asks
    for it (the Celery executor's broker and result backend); stopped by PID after."""
    server = start_redis(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        server.stop()
