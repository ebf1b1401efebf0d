"""A real, disposable Redmine 5 (Debian's ``redmine`` + ``thin``) on 127.0.0.1 for the ticket
tests.

Debian runs every Redmine as an *instance*: ``REDMINE_INSTANCE=<name>`` makes Redmine read its
configuration, log, tmp and attachment directories from ``/usr/share/redmine/instances/<name>``
(a symlink to ``/var/lib/redmine/<name>``). Each session gets its own instance: a directory
under /tmp holding a fresh SQLite database, linked in as ``/var/lib/redmine/sre-redmine-*``,
so no test ever sees an earlier session's issues, and Debian's own ``default`` instance is
never touched. The link and the directory are removed when the server stops.

Redmine (rake, rails runner, thin) runs as ``www-data``, as Debian requires: run as root it
would leave root-owned logs and caches behind. The directory lives directly under /tmp because
pytest's temp dirs are root-only (mode 700), which ``www-data`` could not enter.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from sre_pipeline_tests.services.system import (
    free_port,
    require_packages,
    unavailable,
    wait_for,
)

PACKAGES = ("redmine", "redmine-sqlite", "thin")
REDMINE_DIR = Path("/usr/share/redmine")  # Rails.root; rake and rails must run from here
INSTANCES_DIR = Path("/var/lib/redmine")  # what REDMINE_DIR/instances points to
INSTANCE_PREFIX = "sre-redmine-"
OS_USER = "www-data"
PROJECT = "ops"
HUMAN = "alice"  # a project member (role Developer) to assign tickets to
READY_TIMEOUT_S = 120
STOP_TIMEOUT_S = 10

# Run by ``rails runner`` once the schema is migrated. Parameters come from the environment,
# never spliced into the code. The last line printed is the JSON the fixture needs.
_SETUP_RB = r"""
if Redmine::DefaultData::Loader.no_data?
  Redmine::DefaultData::Loader.load('en')
end
Setting.rest_api_enabled = '1'
Setting.login_required = '1'
admin = User.find_by_login!('admin')
admin.update_columns(must_change_passwd: false)
project = Project.find_by(identifier: ENV['SRE_PROJECT']) || Project.create!(
  name: ENV['SRE_PROJECT'].capitalize,
  identifier: ENV['SRE_PROJECT'],
  is_public: false,
  tracker_ids: Tracker.sorted.pluck(:id),
  enabled_module_names: %w[issue_tracking]
)
human = User.find_by_login(ENV['SRE_HUMAN']) || User.create!(
  login: ENV['SRE_HUMAN'],
  firstname: ENV['SRE_HUMAN'].capitalize,
  lastname: 'Human',
  mail: "#{ENV['SRE_HUMAN']}@example.test",
  password: SecureRandom.hex(16),
  status: User::STATUS_ACTIVE
)
unless Member.exists?(project_id: project.id, user_id: human.id)
  developer = Role.find_by!(name: 'Developer')
  Member.create!(project: project, principal: human, role_ids: [developer.id])
end
puts 'SRE-SETUP ' + {
  api_key: admin.api_key,
  project: project.identifier,
  trackers: project.trackers.sorted.map(&:name),
  statuses: IssueStatus.sorted.map { |s| [s.name, s.is_closed] },
  version: Redmine::VERSION.to_s
}.to_json
"""


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _group_alive(pgid: int) -> bool:
    """True while any process of the group exists (signal 0 checks without signalling)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop_group(process: subprocess.Popen) -> None:
    """SIGTERM the process group of ``process`` (a session leader), SIGKILL it if anything of
    it is left after 10 s; returns once no process of the group exists."""
    pgid = process.pid
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while time.monotonic() < deadline:
            process.poll()  # reap the leader: a zombie would still count as the group
            if not _group_alive(pgid):
                return
            time.sleep(0.05)
    process.poll()


@dataclass
class RedmineServer:
    """A running Redmine: its URL, the admin's API key, the session's project (identifier),
    and the instance directory (database, logs)."""

    url: str
    api_key: str
    project: str
    root: Path
    instance: str
    work_dir: Path
    process: subprocess.Popen | None = None
    version: str = ""
    trackers: list[str] = field(default_factory=list)
    _stopped: bool = field(default=False, repr=False)

    @property
    def link(self) -> Path:
        """Where Debian's Redmine looks for the instance (a symlink to ``root``)."""
        return INSTANCES_DIR / self.instance

    @property
    def log(self) -> Path:
        return self.root / "thin.log"

    # --- REST, as the admin (or with another ``key``) -----------------------------------

    def api(
        self,
        method: str,
        path: str,
        *,
        json_body: dict | None = None,
        params: dict | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        """One REST request (``path`` like ``/issues.json``); the raw response."""
        headers = {"X-Redmine-API-Key": self.api_key if key is None else key}
        return httpx.request(
            method,
            f"{self.url}{path}",
            json=json_body,
            params=params,
            headers=headers,
            timeout=30,
        )

    def _ok(self, response: httpx.Response) -> dict:
        if response.status_code >= 400:
            raise RuntimeError(
                f"Redmine {response.request.method} {response.request.url}: HTTP "
                f"{response.status_code} {response.text[:500]}"
            )
        return response.json() if response.content.strip() else {}

    def get(self, path: str, **params) -> dict:
        """GET ``path`` as the admin; the decoded JSON (raises on an HTTP error)."""
        return self._ok(self.api("GET", path, params=params))

    def tracker_ids(self) -> list[int]:
        return [t["id"] for t in self.get("/trackers.json")["trackers"]]

    def create_project(self, identifier: str, members: tuple[str, ...] = (HUMAN,)) -> str:
        """A new private project with every tracker and issue tracking on, ``members`` added
        as Developers; returns its identifier."""
        self._ok(
            self.api(
                "POST",
                "/projects.json",
                json_body={
                    "project": {
                        "name": identifier.capitalize(),
                        "identifier": identifier,
                        "is_public": False,
                        "tracker_ids": self.tracker_ids(),
                        "enabled_module_names": ["issue_tracking"],
                    }
                },
            )
        )
        for login in members:
            self.add_member(identifier, login)
        return identifier

    def user_id(self, login: str) -> int:
        users = self.get("/users.json", name=login)["users"]
        found = [u["id"] for u in users if u["login"] == login]
        if not found:
            raise RuntimeError(f"no Redmine user {login!r}")
        return found[0]

    def add_member(self, project: str, login: str, role: str = "Developer") -> None:
        roles = {r["name"]: r["id"] for r in self.get("/roles.json")["roles"]}
        self._ok(
            self.api(
                "POST",
                f"/projects/{project}/memberships.json",
                json_body={
                    "membership": {"user_id": self.user_id(login), "role_ids": [roles[role]]}
                },
            )
        )

    def create_issue(self, project: str, subject: str, description: str = "", **fields) -> int:
        """An issue filed as a human would (no marker unless ``description`` has one)."""
        body = {"project_id": project, "subject": subject, "description": description, **fields}
        answer = self._ok(self.api("POST", "/issues.json", json_body={"issue": body}))
        return answer["issue"]["id"]

    def status_id(self, name: str) -> int:
        statuses = self.get("/issue_statuses.json")["issue_statuses"]
        return next(s["id"] for s in statuses if s["name"] == name)

    def close_issue(self, issue_id: int | str, status: str = "Closed", notes: str = "") -> None:
        """Move the issue to a closed status through REST, as a human closing it would."""
        body = {"status_id": self.status_id(status)}
        if notes:
            body["notes"] = notes
        self._ok(self.api("PUT", f"/issues/{issue_id}.json", json_body={"issue": body}))

    def issue(self, issue_id: int | str) -> dict:
        """One issue with its journals (notes)."""
        return self.get(f"/issues/{issue_id}.json", include="journals")["issue"]

    def issues(self, project: str | None = None, status: str = "*") -> list[dict]:
        """Every issue of ``project`` (default: the session's) in ``status`` (``*``: all,
        ``open``, ``closed``), all pages."""
        out: list[dict] = []
        while True:
            page = self.get(
                "/issues.json",
                project_id=project or self.project,
                status_id=status,
                sort="id",
                limit=100,
                offset=len(out),
            )
            out.extend(page["issues"])
            if not page["issues"] or len(out) >= page["total_count"]:
                return out

    # --- lifecycle ------------------------------------------------------------------------

    def running(self) -> bool:
        return self.process is not None and _group_alive(self.process.pid)

    def stop(self) -> None:
        """SIGTERM thin's process group, SIGKILL what is left after 10 s, wait until no
        process of the group remains; keep the logs in ``work_dir``; remove the instance."""
        if self._stopped:
            return
        self._stopped = True
        if self.process is not None:
            _stop_group(self.process)
        for name, source in (
            ("redmine-thin.log", self.log),
            ("redmine-production.log", self.root / "log" / "production.log"),
        ):
            try:
                shutil.copyfile(source, self.work_dir / name)
            except OSError:
                pass
        if self.link.is_symlink():
            self.link.unlink()
        shutil.rmtree(self.root, ignore_errors=True)


def _as_root() -> bool:
    return os.geteuid() == 0


def _env(server: RedmineServer) -> dict[str, str]:
    """The whole environment of Redmine's processes: the instance, production, no secrets
    or settings of ours leaking in."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(server.root),  # bundler and rake want a writable home
        "LANG": "C.UTF-8",
        "RAILS_ENV": "production",
        "REDMINE_INSTANCE": server.instance,
        "REDMINE_LANG": "en",
        "SRE_PROJECT": server.project,
        "SRE_HUMAN": HUMAN,
        # db:migrate ends by dumping the schema, by default into REDMINE_DIR/db (root's)
        "SCHEMA": str(server.root / "db" / "schema.rb"),
    }


def _user_kwargs() -> dict:
    """``Popen`` arguments that run the child as www-data when we are root."""
    if not _as_root():
        return {}
    return {"user": OS_USER, "group": OS_USER, "extra_groups": []}


def _run(server: RedmineServer, cmd: list[str], what: str, timeout: float = 300) -> str:
    try:
        done = subprocess.run(
            cmd,
            cwd=REDMINE_DIR,
            env=_env(server),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            **_user_kwargs(),
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{what} timed out after {timeout:.0f}s") from None
    if done.returncode != 0:
        raise RuntimeError(
            f"{what} failed ({done.returncode}):\n{done.stdout[-1500:]}\n{done.stderr[-2500:]}"
        )
    return done.stdout


def _remove_stale_links() -> None:
    """Links of earlier sessions whose directory is gone (a killed test run)."""
    for link in INSTANCES_DIR.glob(f"{INSTANCE_PREFIX}*"):
        if link.is_symlink() and not link.exists():
            link.unlink()


def _make_instance(server: RedmineServer) -> None:
    root = server.root
    root.chmod(0o755)
    for sub in ("config", "log", "tmp", "files", "db"):
        (root / sub).mkdir()
    (root / "config" / "database.yml").write_text(
        "production:\n"
        "  adapter: sqlite3\n"
        f"  database: {root / 'db' / 'redmine.sqlite3'}\n"
        "  encoding: utf8\n"
        "  timeout: 5000\n"
    )
    (root / "config" / "secret_key.txt").write_text(secrets.token_hex(32) + "\n")
    (root / "config" / "secret_key.txt").chmod(0o600)
    (root / "setup.rb").write_text(_SETUP_RB)
    if _as_root():
        user = pwd.getpwnam(OS_USER)
        for path in (root, *root.rglob("*")):
            os.chown(path, user.pw_uid, user.pw_gid)
    server.link.symlink_to(root)


def _issues_answer(url: str, key: str) -> bool:
    response = httpx.get(f"{url}/issues.json", headers={"X-Redmine-API-Key": key}, timeout=5)
    return response.status_code == 200 and "issues" in response.json()


def start_redmine(work_dir: Path, project: str = PROJECT) -> RedmineServer:
    """A fresh Redmine instance (SQLite, default data, REST API on, login required, project
    ``project``, user ``alice``) served by thin on a free 127.0.0.1 port.

    Installs ``redmine redmine-sqlite thin`` when missing. Returns once ``GET /issues.json``
    answers with the admin's key; on failure everything is stopped and removed and the error
    carries the log. ``work_dir`` receives the logs when the server stops.
    """
    if not _as_root():
        unavailable(
            "Redmine tests need root: Debian's Redmine runs as www-data and its instances are "
            f"linked under {INSTANCES_DIR}"
        )
    try:
        pwd.getpwnam(OS_USER)
    except KeyError:
        unavailable(f"the {OS_USER!r} OS user does not exist")
    require_packages(*PACKAGES)
    thin = shutil.which("thin")
    if thin is None or not (REDMINE_DIR / "bin" / "rails").exists():
        unavailable(f"{' '.join(PACKAGES)} installed but thin or {REDMINE_DIR}/bin/rails missing")
    _remove_stale_links()
    root = Path(tempfile.mkdtemp(prefix=INSTANCE_PREFIX, dir="/tmp"))
    port = free_port()
    server = RedmineServer(
        url=f"http://127.0.0.1:{port}",
        api_key="",
        project=project,
        root=root,
        instance=root.name,
        work_dir=Path(work_dir),
    )
    try:
        _make_instance(server)
        _run(server, ["bin/rake", "db:migrate"], "rake db:migrate")
        out = _run(server, ["bin/rails", "runner", str(root / "setup.rb")], "rails runner setup")
        line = next((x for x in reversed(out.splitlines()) if x.startswith("SRE-SETUP ")), None)
        if line is None:
            raise RuntimeError(f"the setup script printed no SRE-SETUP line:\n{out[-2000:]}")
        setup = json.loads(line.removeprefix("SRE-SETUP "))
        server.api_key, server.version = setup["api_key"], setup["version"]
        server.trackers = setup["trackers"]
        with server.log.open("wb") as out_file:  # the child keeps its own descriptor
            server.process = subprocess.Popen(
                [thin, "start", "-a", "127.0.0.1", "-p", str(port), "-e", "production"],
                cwd=REDMINE_DIR,
                env=_env(server),
                stdin=subprocess.DEVNULL,
                stdout=out_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() signals all of it
                **_user_kwargs(),
            )
        try:
            wait_for(
                lambda: _issues_answer(server.url, server.api_key),
                READY_TIMEOUT_S,
                f"Redmine (thin) on {server.url}",
                server.process,
            )
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n--- thin log ---\n{_tail(server.log)}") from None
    except BaseException:
        server.stop()
        raise
    return server
