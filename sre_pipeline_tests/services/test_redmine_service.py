"""The disposable Redmine really works: REST on 127.0.0.1 with the admin's key, a bad or
missing key refused (login required), the session's project, the helpers, and a stop that
leaves no process and no instance behind."""

from __future__ import annotations

import secrets
import subprocess

import pytest

from sre_pipeline_tests.services.redmine import HUMAN, INSTANCES_DIR, start_redmine

pytestmark = pytest.mark.slow  # starts Redmine (and installs it when missing)


def test_rest_api_answers_with_the_key_on_loopback(redmine_server):
    assert redmine_server.url.startswith("http://127.0.0.1:")
    response = redmine_server.api("GET", "/issues.json")
    assert response.status_code == 200
    assert "issues" in response.json()
    me = redmine_server.get("/users/current.json")["user"]
    assert me["login"] == "admin" and me["admin"] is True
    assert redmine_server.version.startswith("5.")


@pytest.mark.parametrize("key", ["0" * 40, ""], ids=["bad-key", "no-key"])
def test_a_bad_or_missing_key_gets_401(redmine_server, key):
    response = redmine_server.api("GET", "/issues.json", key=key)
    assert response.status_code == 401  # login_required: no anonymous fallback


def test_the_session_project_exists_with_trackers_and_a_member(redmine_server):
    project = redmine_server.get(f"/projects/{redmine_server.project}.json", include="trackers")
    assert project["project"]["identifier"] == redmine_server.project == "ops"
    assert [t["name"] for t in project["project"]["trackers"]] == redmine_server.trackers
    assert "Bug" in redmine_server.trackers
    members = redmine_server.get(f"/projects/{redmine_server.project}/memberships.json")
    assert [m["user"]["name"] for m in members["memberships"]] == ["Alice Human"]
    statuses = redmine_server.get("/issue_statuses.json")["issue_statuses"]
    assert any(s["is_closed"] for s in statuses)
    assert redmine_server.api("GET", "/projects/nope.json").status_code == 404


def test_helpers_create_project_issue_and_close_it(redmine_server):
    project = redmine_server.create_project(f"svc-{secrets.token_hex(3)}")
    issue_id = redmine_server.create_issue(project, "filed by a human", "no marker")
    assert [i["id"] for i in redmine_server.issues(project, status="open")] == [issue_id]
    redmine_server.close_issue(issue_id, notes="done")
    issue = redmine_server.issue(issue_id)
    assert issue["status"]["name"] == "Closed" and issue["closed_on"]
    assert [j["notes"] for j in issue["journals"]] == ["done"]
    assert redmine_server.issues(project, status="open") == []
    assert [i["id"] for i in redmine_server.issues(project)] == [issue_id]
    assert redmine_server.user_id(HUMAN) > 1


def _group(pgid: int) -> list[str]:
    """Full ``ps`` lines of the processes in group ``pgid``."""
    ps = subprocess.run(
        ["ps", "-ww", "-eo", "pgid=,pid=,user=,args="], capture_output=True, text=True
    )
    return [line for line in ps.stdout.splitlines() if line.split()[0] == str(pgid)]


def test_stop_kills_thin_and_removes_the_instance(tmp_path):
    server = start_redmine(tmp_path, project="other")
    try:
        root, link = server.root, server.link
        pgid = server.process.pid  # a session leader: its own group
        port = server.url.rsplit(":", 1)[1]
        assert server.running()
        assert link.is_symlink() and link.resolve() == root
        assert server.get("/projects/other.json")["project"]["identifier"] == "other"
        assert server.issues() == []  # a fresh database: no earlier session's issues
        (line,) = _group(pgid)
        assert "www-data" in line and f"thin start -a 127.0.0.1 -p {port} " in line
    finally:
        server.stop()
    assert not server.running()
    assert _group(pgid) == []
    assert not root.exists() and not link.is_symlink()
    assert not list(INSTANCES_DIR.glob(f"{root.name}*"))
    assert (tmp_path / "redmine-thin.log").exists()  # kept for diagnosis
    server.stop()  # idempotent
