"""A real, disposable PostgreSQL 15 on 127.0.0.1 for the warehouse tests.

``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` OS user
(``runuser``). Its directory lives directly under /tmp: pytest's own temp dirs are mode 700
and owned by root, so the ``postgres`` user could not reach a data directory inside them.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from sre_pipeline_tests.services.system import free_port, require_binary, unavailable, wait_for

PG_VERSION = 15
PG_BIN = Path(f"/usr/lib/postgresql/{PG_VERSION}/bin")
OS_USER = "postgres"
SUPERUSER = "postgres"
_DB_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def postgres_bin(name: str) -> str:
    """Debian's PostgreSQL 15 ``name`` (``initdb``, ``pg_ctl``...); installs ``postgresql``.

    Always the absolute Debian path: a ``pg_ctl`` on PATH may belong to another version.
    """
    path = str(PG_BIN / name)
    return require_binary(path, "postgresql", extra_paths=(path,))


def _as_root() -> bool:
    return os.geteuid() == 0


def _as_server_user(cmd: list[str]) -> list[str]:
    """``cmd`` run as the ``postgres`` OS user when we are root, else as ourselves."""
    if not _as_root():
        return cmd
    runuser = shutil.which("runuser")
    if runuser is None:
        unavailable("runuser (util-linux) is needed to run PostgreSQL as the postgres user")
    return [runuser, "-u", OS_USER, "--", *cmd]


def _check_db_name(name: str) -> str:
    if not _DB_NAME.fullmatch(name):
        raise ValueError(f"not a safe database name: {name!r}")
    return name


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _proc_alive(pid: int, data_dir: Path) -> bool:
    """True while ``pid`` is a live (not zombie) postmaster of ``data_dir``.

    Checking the command line guards against killing an unrelated process that reused the PID.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in ("Z", "X") and str(data_dir) in cmdline


@dataclass
class PostgresServer:
    """A running server: its superuser URL, port and directory (data, socket, log)."""

    root: Path
    port: int
    work_dir: Path
    pid: int | None = None
    _stopped: bool = field(default=False, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the ``postgres`` database as the superuser."""
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{_check_db_name(name)}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        """A psycopg autocommit connection over TCP (what the tests' engines use too)."""
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            dbname=dbname,
            connect_timeout=5,
            autocommit=True,
        )

    def drop_database(self, name: str) -> None:
        """Terminate the database's connections and drop it (no error if it does not exist)."""
        name = _check_db_name(name)
        with self.connect() as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def create_database(self, name: str) -> str:
        """A fresh, empty database ``name`` (dropped first if it exists); returns its URL."""
        self.drop_database(name)
        with self.connect() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name))
            )
        return self.database_url(name)

    def _read_pid(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def running(self) -> bool:
        pid = self.pid or self._read_pid()
        return pid is not None and _proc_alive(pid, self.data_dir)

    def stop(self) -> None:
        """``pg_ctl -m fast stop``; SIGKILL the postmaster's group if it survives; remove the dir.

        Safe to call twice and on a half-started server; the log is kept in ``work_dir``.
        """
        if self._stopped:
            return
        self._stopped = True
        try:
            pid = self.pid or self._read_pid()
            if (self.data_dir / "postmaster.pid").exists():
                try:
                    subprocess.run(
                        _as_server_user(
                            [
                                postgres_bin("pg_ctl"),
                                "-D",
                                str(self.data_dir),
                                "-m",
                                "fast",
                                "-w",
                                "-t",
                                "30",
                                "stop",
                            ]
                        ),
                        capture_output=True,
                        timeout=40,
                        cwd=self.root,
                    )
                except subprocess.TimeoutExpired:
                    pass
            if pid is not None and _proc_alive(pid, self.data_dir):
                self._kill(pid)
        finally:
            try:
                if self.log.exists():
                    self.work_dir.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(self.log, self.work_dir / "postgres.log")
            except OSError:
                pass
            shutil.rmtree(self.root, ignore_errors=True)

    def _kill(self, pid: int) -> None:
        # pg_ctl starts the postmaster in its own session: its group holds every backend.
        for sig in (signal.SIGQUIT, signal.SIGKILL):
            try:
                os.killpg(pid, sig)
            except (ProcessLookupError, PermissionError):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    return
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if not _proc_alive(pid, self.data_dir):
                    return
                time.sleep(0.05)


def _run(server: PostgresServer, cmd: list[str], what: str) -> None:
    try:
        done = subprocess.run(
            _as_server_user(cmd), capture_output=True, text=True, timeout=120, cwd=server.root
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{what} timed out\n{_tail(server.log)}") from None
    if done.returncode != 0:
        raise RuntimeError(
            f"{what} failed ({done.returncode}): {done.stderr.strip()[-2000:]}\n"
            f"--- server log ---\n{_tail(server.log)}"
        )


def start_postgres(work_dir: Path) -> PostgresServer:
    """``initdb`` a fresh cluster under /tmp, start it on a free 127.0.0.1 port, wait for it.

    Durability is off (``fsync``, ``synchronous_commit``, ``full_page_writes``): the cluster
    is thrown away. The unix socket goes in the server's own directory, not /var/run.
    ``work_dir`` receives a copy of the server log when it stops.
    """
    initdb, pg_ctl = postgres_bin("initdb"), postgres_bin("pg_ctl")
    if _as_root():
        try:
            user = pwd.getpwnam(OS_USER)
        except KeyError:
            unavailable(f"the {OS_USER!r} OS user does not exist (Debian's postgresql creates it)")
    root = Path(tempfile.mkdtemp(prefix="sre-pg-", dir="/tmp"))
    server = PostgresServer(root=root, port=free_port(), work_dir=work_dir)
    try:
        root.chmod(0o755)
        if _as_root():
            os.chown(root, user.pw_uid, user.pw_gid)
        _run(
            server,
            [
                initdb,
                "-D",
                str(server.data_dir),
                "-U",
                SUPERUSER,
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            "initdb",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {server.port} -c fsync=off"
            f" -c synchronous_commit=off -c full_page_writes=off -k {root}"
        )
        _run(
            server,
            [
                pg_ctl,
                "-D",
                str(server.data_dir),
                "-o",
                options,
                "-l",
                str(server.log),
                "-w",
                "-t",
                "60",
                "start",
            ],
            "pg_ctl start",
        )
        server.pid = server._read_pid()

        def accepts() -> bool:
            with server.connect() as conn:
                return conn.execute("SELECT 1").fetchone() == (1,)

        try:
            wait_for(accepts, 60, f"postgres on 127.0.0.1:{server.port}")
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n--- server log ---\n{_tail(server.log)}") from None
    except BaseException:
        server.stop()
        raise
    return server
