"""A real, disposable Redis (Debian's ``redis-server``) on 127.0.0.1, the Celery broker and
result backend of the executor tests.

Nothing is persisted (``--save ''``, ``--appendonly no``) and the working directory is the
server's own, so a session leaves no dump behind. Debian's package is installed with apt-get
when ``redis-server`` is missing; the container's ``policy-rc.d`` (or the lack of systemd)
keeps Debian's own service from starting, and nothing here talks to one on 6379.
"""

from __future__ import annotations

import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sre_pipeline_tests.services.system import free_port, require_binary, stop, wait_for

READY_TIMEOUT_S = 30


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def ping(port: int, timeout: float = 2) -> bool:
    """True when the server on 127.0.0.1:``port`` answers ``PING`` with ``+PONG`` (the inline
    protocol, so no client library is needed to tell that it is up)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(b"PING\r\n")
        return conn.recv(64).startswith(b"+PONG")


@dataclass
class RedisServer:
    """A running server: its port, process, directory and log."""

    port: int
    process: subprocess.Popen
    work_dir: Path
    log: Path

    def url(self, db: int = 0) -> str:
        """``redis://127.0.0.1:PORT/DB``: Celery's broker and backend URL form."""
        return f"redis://127.0.0.1:{self.port}/{db}"

    def ping(self) -> bool:
        """True while the server answers ``PING``."""
        try:
            return ping(self.port)
        except OSError:
            return False

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the server's log."""
        return _tail(self.log, lines)

    def stop(self) -> None:
        """SIGTERM the server by PID (SIGKILL if it does not exit within 10 s)."""
        stop(self.process)


def start_redis(work_dir: Path) -> RedisServer:
    """Start ``redis-server`` on a free 127.0.0.1 port, without persistence, in ``work_dir``
    (which receives its log), and wait until it answers ``PING``."""
    binary = require_binary("redis-server", "redis-server")
    work_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = work_dir / "redis.log"
    command = [
        binary,
        "--save",
        "",
        "--appendonly",
        "no",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(work_dir),
        "--daemonize",
        "no",
    ]
    with log.open("wb") as out:  # the child keeps its own descriptor
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for(lambda: ping(port), READY_TIMEOUT_S, f"redis on 127.0.0.1:{port}", process)
    except BaseException as exc:
        stop(process)
        raise RuntimeError(f"{exc}\n--- redis log ---\n{_tail(log)}") from None
    return RedisServer(port, process, work_dir, log)
