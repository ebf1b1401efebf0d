"""The disposable PostgreSQL 15 and the SQLite/PostgreSQL warehouse fixtures really work."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sre_pipeline_tests.services.postgres import _proc_alive, start_postgres

pytestmark = pytest.mark.slow  # starts and stops PostgreSQL servers


def test_server_is_postgres_15_on_loopback_without_fsync(postgres_server):
    with postgres_server.connect() as conn:
        show = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("server_version", "listen_addresses", "fsync", "port")
        }
        peer = conn.execute("SELECT host(inet_server_addr())").fetchone()[0]
    assert show["server_version"].split(".")[0] == "15"
    assert show["listen_addresses"] == "127.0.0.1"
    assert show["fsync"] == "off"
    assert int(show["port"]) == postgres_server.port
    assert peer == "127.0.0.1"
    assert (
        postgres_server.url
        == f"postgresql+psycopg://postgres@127.0.0.1:{postgres_server.port}/postgres"
    )


def test_engine_round_trip(warehouse_engine):
    with warehouse_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1


def test_warehouse_databases_are_fresh_and_independent(warehouse_url, new_warehouse_url):
    dialect = sa.make_url(warehouse_url).get_backend_name()
    other_url = new_warehouse_url(dialect)
    assert other_url != warehouse_url
    first, other = sa.create_engine(warehouse_url), sa.create_engine(other_url)
    try:
        assert sa.inspect(first).get_table_names() == []
        with first.begin() as conn:
            conn.execute(sa.text("CREATE TABLE marker (x INTEGER)"))
            conn.execute(sa.text("INSERT INTO marker VALUES (42)"))
        assert sa.inspect(first).get_table_names() == ["marker"]
        assert sa.inspect(other).get_table_names() == []
    finally:
        first.dispose()
        other.dispose()


def test_dropped_database_is_gone(postgres_server, new_warehouse_url):
    url = new_warehouse_url("postgresql")
    name = sa.make_url(url).database
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:  # an open connection must not block the drop
            conn.execute(sa.text("SELECT 1"))
            postgres_server.drop_database(name)
            with pytest.raises(sa.exc.OperationalError, match="terminating connection"):
                conn.execute(sa.text("SELECT 1"))
    finally:
        engine.dispose()
    with postgres_server.connect() as conn:
        rows = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchall()
    assert rows == []


def test_stop_kills_the_server_and_removes_its_directory(tmp_path):
    server = start_postgres(tmp_path)
    try:
        pid, data_dir, root = server.pid, server.data_dir, server.root
        assert pid is not None and _proc_alive(pid, data_dir)
        with server.connect() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        server.stop()
    assert not _proc_alive(pid, data_dir)
    assert not root.exists()
    assert (tmp_path / "postgres.log").exists()  # kept for diagnosis
    server.stop()  # idempotent
