"""The disposable Redis really works: loopback only, nothing persisted, stopped by PID."""

from __future__ import annotations

import socket

import pytest

from sre_pipeline_tests.services.redis import start_redis

pytestmark = pytest.mark.slow  # starts Redis (and installs it when missing)


def command(port: int, *words: str) -> bytes:
    """One command in Redis' wire protocol; the raw reply."""
    payload = f"*{len(words)}\r\n".encode()
    for word in words:
        payload += f"${len(word.encode())}\r\n{word}\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(payload)
        return conn.recv(4096)


def test_server_answers_on_loopback_without_persistence(redis_server):
    assert redis_server.ping()
    assert redis_server.url(3) == f"redis://127.0.0.1:{redis_server.port}/3"
    bind = command(redis_server.port, "CONFIG", "GET", "bind")
    assert b"127.0.0.1" in bind and b"0.0.0.0" not in bind
    assert command(redis_server.port, "CONFIG", "GET", "save").endswith(b"$4\r\nsave\r\n$0\r\n\r\n")
    assert b"$2\r\nno\r\n" in command(redis_server.port, "CONFIG", "GET", "appendonly")


def test_stop_ends_the_server(tmp_path):
    server = start_redis(tmp_path)
    try:
        assert server.ping()
    finally:
        server.stop()
    assert server.process.poll() is not None
    assert not server.ping()
    assert not list(tmp_path.glob("*.rdb"))  # nothing persisted on shutdown
