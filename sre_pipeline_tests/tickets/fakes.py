"""Local fakes of the GitHub, GitLab and Jira REST APIs, on 127.0.0.1 (stdlib
``ThreadingHTTPServer`` in a thread, a free port), so the tracker back ends are tested through
their real client libraries (PyGithub, python-gitlab, jira) over real HTTP.

Each fake follows its API's documented requests and answers closely enough for its library:
issues in memory, the auth header checked against a configured token (wrong: 401 with the
API's error body), 404 for an unknown repository/project/issue, the API's validation answer
(GitHub 422 "Validation Failed" with ``errors``, GitLab 400 with ``message``/``error``, Jira 400
with ``errorMessages``/``errors``), its pagination (GitHub and GitLab ``Link`` headers, GitLab
``X-Next-Page``..., Jira ``startAt``/``total`` and Cloud's ``nextPageToken``). Faults on demand:
the next N requests answer 429 with ``Retry-After``, 502, or (GitHub) a 403 secondary or
primary rate limit; ``after=True`` answers the fault after doing the work (a lost answer).
``requests`` logs every request (method, path, query, headers, JSON body) for assertions.

:func:`forbid_sleep_and_internet` is for an autouse fixture: no real sleeping, and sockets may
connect to 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit


def forbid_sleep_and_internet(monkeypatch) -> None:
    """``time.sleep`` of more than 0 s fails the test; so does a socket connecting anywhere but
    127.0.0.1."""
    real_connect = socket.socket.connect

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] != "127.0.0.1":
            raise AssertionError(f"a test tried to connect to {address!r}")
        return real_connect(sock, address)

    def sleep(seconds):
        if seconds > 0:
            raise AssertionError(f"a test slept {seconds} s for real")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(time, "sleep", sleep)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


@dataclass
class Seen:
    """One request as a fake received it (header names lower-case, path still encoded)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The last value of query parameter ``name``."""
        values = self.query.get(name)
        return values[-1] if values else default


@dataclass
class Reply:
    """An answer: a dict/list body is JSON, a str is text (or the given Content-Type)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeAPI:
    """The shared server: routes (method, path regex, handler name), auth, faults, log."""

    routes: tuple[tuple[str, str, str], ...] = ()

    def __init__(self):
        self.requests: list[Seen] = []
        self.errors: list[str] = []  # handler crashes (answered 500)
        self.lock = threading.RLock()
        self._faults: list[tuple[Reply, bool]] = []
        self._routes = [(m, re.compile(p), name) for m, p, name in self.routes]
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stalls

            def log_message(self, *args):  # keep test output clean
                pass

            def handle_any(self):
                api._serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # faults -----------------------------------------------------------------------------

    def fail_next(self, count: int, reply: Reply, *, after: bool = False) -> None:
        """Answer the next ``count`` requests with ``reply`` (``after``: once handled)."""
        with self.lock:
            self._faults.extend([(reply, after)] * count)

    def throttle_next(self, count: int = 1, retry_after: int = 7) -> None:
        """The next ``count`` requests get 429 with ``Retry-After: retry_after``."""
        self.fail_next(count, self.throttled(retry_after))

    def bad_gateway_next(self, count: int = 1, *, after: bool = False) -> None:
        """The next ``count`` requests get 502 from the proxy in front."""
        body = "<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body>"
        self.fail_next(count, Reply(502, body, {"Content-Type": "text/html"}), after=after)

    def throttled(self, retry_after: int) -> Reply:
        """This API's 429 answer."""
        return Reply(429, {"message": "Too Many Requests"}, {"Retry-After": str(retry_after)})

    # the API ----------------------------------------------------------------------------

    def authorized(self, seen: Seen) -> bool:
        """Whether the request carries the configured credentials."""
        raise NotImplementedError

    def unauthorized(self, seen: Seen) -> Reply:
        """This API's 401 answer."""
        raise NotImplementedError

    def no_route(self, seen: Seen) -> Reply:
        """This API's answer to a path it does not serve."""
        return Reply(404, {"message": "Not Found"})

    def seen(self, method: str | None = None, path: str = "") -> list[Seen]:
        """Requests so far with this method whose path matches the regex ``path``."""
        with self.lock:
            return [
                s
                for s in self.requests
                if (method is None or s.method == method) and re.search(path, s.path)
            ]

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        parts = urlsplit(handler.path)
        seen = Seen(
            handler.command,
            parts.path,
            parse_qs(parts.query, keep_blank_values=True),
            {k.lower(): v for k, v in handler.headers.items()},
            body,
        )
        with self.lock:
            self.requests.append(seen)
            fault = self._faults.pop(0) if self._faults else None
            if fault is not None and not fault[1]:
                reply = fault[0]
            else:
                reply = self._answer(seen)
                reply = fault[0] if fault is not None else reply
        self._send(handler, reply)

    def _answer(self, seen: Seen) -> Reply:
        if not self.authorized(seen):
            return self.unauthorized(seen)
        for method, pattern, name in self._routes:
            match = pattern.fullmatch(seen.path)
            if match and method == seen.method:
                args = {k: unquote(v) for k, v in match.groupdict().items()}
                try:
                    return getattr(self, name)(seen, **args)
                except Exception:
                    self.errors.append(traceback.format_exc())
                    return Reply(500, {"message": "fake crashed"})
        return self.no_route(seen)

    def _send(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        headers = dict(reply.headers)
        if isinstance(reply.body, str):
            data = reply.body.encode()
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        elif reply.body is None:
            data = b""
        else:
            data = json.dumps(reply.body).encode()
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        try:
            handler.send_response(reply.status)
            for key, value in headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _links(self, seen: Seen, page: int, pages: int) -> str:
        """An RFC 8288 ``Link`` header (as GitHub and GitLab send) for page ``page``."""

        def at(number: int) -> str:
            query = {k: v[-1] for k, v in seen.query.items()}
            query["page"] = str(number)
            return f"<{self.url}{seen.path}?{urlencode(query)}>"

        rels = []
        if page > 1:
            rels += [f'{at(page - 1)}; rel="prev"', f'{at(1)}; rel="first"']
        if page < pages:
            rels += [f'{at(page + 1)}; rel="next"', f'{at(pages)}; rel="last"']
        return ", ".join(rels)


def _pages(items: list, page: int, per_page: int) -> tuple[list, int]:
    pages = max(1, -(-len(items) // per_page))
    return items[(page - 1) * per_page : page * per_page], pages


# GitHub -------------------------------------------------------------------------------------

GITHUB_DOCS = "https://docs.github.com/rest"
SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID "
    "C0DE:1234:5678:9ABC:0000."
)
_REPO = r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"
_ISSUE = _REPO + r"/issues/(?P<number>\d+)"


class GitHubFake(FakeAPI):
    """GitHub REST v3 as PyGithub uses it for issues (docs.github.com/rest/issues): the
    repository, issues (list with ``state``/``labels``/``per_page``/``page`` and ``Link``; the
    list includes pull requests, as GitHub's does), one issue, edit, comments, labels."""

    routes = (
        ("GET", _REPO, "get_repo"),
        ("GET", _REPO + "/issues", "list_issues"),
        ("POST", _REPO + "/issues", "create_issue"),
        ("GET", _ISSUE, "get_issue"),
        ("PATCH", _ISSUE, "edit_issue"),
        ("GET", _ISSUE + "/comments", "list_comments"),
        ("POST", _ISSUE + "/comments", "create_comment"),
        ("POST", _ISSUE + "/labels", "add_labels"),
        ("PUT", _ISSUE + "/labels", "set_labels"),
        ("DELETE", _ISSUE + r"/labels/(?P<label>[^/]+)", "remove_label"),
    )

    def __init__(self, token: str = "ghp_fake", repos=("acme/ops",), users=("alice", "bob")):
        super().__init__()
        self.token = token
        self.users = set(users)
        self.repos: dict[str, dict[int, dict]] = {r: {} for r in repos}
        self.comments: dict[tuple[str, int], list[str]] = {}
        self._ids = itertools.count(5000)

    # answers
    def _error(self, status: int, message: str, anchor: str = "", **extra) -> Reply:
        body = {"message": message, **extra, "documentation_url": GITHUB_DOCS + anchor}
        return Reply(status, {**body, "status": str(status)})

    def authorized(self, seen: Seen) -> bool:
        scheme, _, value = seen.headers.get("authorization", "").partition(" ")
        return scheme.lower() in ("token", "bearer") and value == self.token

    def unauthorized(self, seen: Seen) -> Reply:
        if "authorization" not in seen.headers:
            return self._error(401, "Requires authentication")
        return self._error(401, "Bad credentials")

    def no_route(self, seen: Seen) -> Reply:
        return self._error(404, "Not Found")

    def throttled(self, retry_after: int) -> Reply:
        reply = self._error(
            429, SECONDARY, "/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
        )
        reply.headers["Retry-After"] = str(retry_after)
        return reply

    def secondary_rate_limit_next(self, count: int = 1, retry_after: int | None = 60) -> None:
        """The next ``count`` requests get GitHub's 403 secondary rate limit (its documented
        message; ``Retry-After`` unless None)."""
        reply = self._error(
            403, SECONDARY, "/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
        )
        if retry_after is not None:
            reply.headers["Retry-After"] = str(retry_after)
        self.fail_next(count, reply)

    def primary_rate_limit_next(self, count: int = 1, reset_in: int = 42) -> None:
        """The next ``count`` requests get 403 "API rate limit exceeded" with
        ``x-ratelimit-remaining: 0`` and the reset ``reset_in`` seconds away."""
        reply = self._error(
            403,
            "API rate limit exceeded for user ID 1.",
            "/overview/rate-limits-for-the-rest-api#about-primary-rate-limits",
        )
        reply.headers.update(
            {
                "x-ratelimit-limit": "5000",
                "x-ratelimit-remaining": "0",
                "x-ratelimit-used": "5000",
                "x-ratelimit-reset": str(int(time.time()) + reset_in),
                "x-ratelimit-resource": "core",
            }
        )
        self.fail_next(count, reply)

    # data
    def _user(self, login: str) -> dict:
        return {"login": login, "id": abs(hash(login)) % 10**6, "type": "User"}

    def _label(self, name: str) -> dict:
        return {"id": abs(hash(name)) % 10**6, "name": name, "color": "ededed", "default": False}

    def add_issue(
        self,
        repo: str,
        title: str,
        body: str | None = "",
        labels=(),
        *,
        assignees=(),
        state: str = "open",
        pull_request: bool = False,
        user: str = "sre-bot",
    ) -> dict:
        """Store an issue (or pull request) as GitHub would answer it; returns it."""
        with self.lock:
            issues = self.repos[repo]
            number = max(issues, default=0) + 1
            api = f"{self.url}/repos/{repo}/issues/{number}"
            kind = "pull" if pull_request else "issues"
            created = _iso(_now())
            issue = {
                "id": next(self._ids),
                "node_id": f"I_kwFake{number}",
                "url": api,
                "repository_url": f"{self.url}/repos/{repo}",
                "labels_url": api + "/labels{/name}",
                "comments_url": api + "/comments",
                "events_url": api + "/events",
                "html_url": f"{self.url}/{repo}/{kind}/{number}",
                "number": number,
                "state": state,
                "state_reason": "completed" if state == "closed" else None,
                "title": title,
                "body": body,
                "user": self._user(user),
                "labels": [self._label(n) for n in dict.fromkeys(labels)],
                "assignee": self._user(assignees[0]) if assignees else None,
                "assignees": [self._user(a) for a in assignees],
                "milestone": None,
                "locked": False,
                "active_lock_reason": None,
                "comments": 0,
                "created_at": created,
                "updated_at": created,
                "closed_at": created if state == "closed" else None,
                "closed_by": None,
                "author_association": "MEMBER",
            }
            if pull_request:
                issue["pull_request"] = {
                    "url": f"{self.url}/repos/{repo}/pulls/{number}",
                    "html_url": issue["html_url"],
                }
            issues[number] = issue
            return issue

    def _find(self, owner: str, name: str, number: str | None = None):
        issues = self.repos.get(f"{owner}/{name}")
        if issues is None:
            return None, self._error(404, "Not Found", "/repos/repos#get-a-repository")
        if number is None:
            return issues, None
        issue = issues.get(int(number))
        if issue is None:
            return None, self._error(404, "Not Found", "/issues/issues#get-an-issue")
        return issue, None

    def _invalid(self, errors: list[dict], anchor: str) -> Reply:
        return self._error(422, "Validation Failed", anchor, errors=errors)

    def _check_people_and_labels(self, body: dict, anchor: str) -> Reply | None:
        errors = [
            {"value": a, "resource": "Issue", "field": "assignees", "code": "invalid"}
            for a in body.get("assignees") or []
            if a not in self.users
        ]
        errors += [
            {
                "value": n,
                "resource": "Label",
                "field": "name",
                "code": "invalid",
                "message": "name is too long (maximum is 50 characters)",
            }
            for n in body.get("labels") or []
            if len(n) > 50
        ]
        return self._invalid(errors, anchor) if errors else None

    # routes
    def get_repo(self, seen, owner, name):
        _, error = self._find(owner, name)
        full = f"{owner}/{name}"
        return error or Reply(
            200,
            {
                "id": abs(hash(full)) % 10**6,
                "name": name,
                "full_name": full,
                "owner": self._user(owner),
                "private": True,
                "html_url": f"{self.url}/{full}",
                "url": f"{self.url}/repos/{full}",
                "has_issues": True,
            },
        )

    def list_issues(self, seen, owner, name):
        issues, error = self._find(owner, name)
        if error:
            return error
        state = seen.arg("state", "open")
        wanted = [n for n in (seen.arg("labels") or "").split(",") if n]
        per_page = min(int(seen.arg("per_page", "30")), 100)
        page = int(seen.arg("page", "1"))
        matching = [
            i
            for i in sorted(issues.values(), key=lambda i: -i["number"])  # newest first
            if state in ("all", i["state"]) and set(wanted) <= {x["name"] for x in i["labels"]}
        ]
        chunk, pages = _pages(matching, page, per_page)
        link = self._links(seen, page, pages)
        return Reply(200, chunk, {"Link": link} if link else {})

    def create_issue(self, seen, owner, name):
        issues, error = self._find(owner, name)
        if error:
            return error
        body = seen.body if isinstance(seen.body, dict) else {}
        anchor = "/issues/issues#create-an-issue"
        if not body.get("title"):
            missing = {"resource": "Issue", "code": "missing_field", "field": "title"}
            return self._invalid([missing], anchor)
        problem = self._check_people_and_labels(body, anchor)
        if problem:
            return problem
        issue = self.add_issue(
            f"{owner}/{name}",
            body["title"],
            body.get("body"),
            body.get("labels") or [],
            assignees=body.get("assignees") or ([body["assignee"]] if body.get("assignee") else []),
        )
        return Reply(201, issue, {"Location": issue["url"]})

    def get_issue(self, seen, owner, name, number):
        issue, error = self._find(owner, name, number)
        return error or Reply(200, issue)

    def edit_issue(self, seen, owner, name, number):
        issue, error = self._find(owner, name, number)
        if error:
            return error
        body = seen.body if isinstance(seen.body, dict) else {}
        anchor = "/issues/issues#update-an-issue"
        problem = self._check_people_and_labels(body, anchor)
        if problem:
            return problem
        if body.get("state") not in (None, "open", "closed"):
            bad = {"resource": "Issue", "code": "invalid", "field": "state"}
            return self._invalid([{**bad, "value": body["state"]}], anchor)
        if body.get("state_reason") not in (None, "completed", "not_planned", "reopened"):
            bad = {"resource": "Issue", "code": "invalid", "field": "state_reason"}
            return self._invalid([{**bad, "value": body["state_reason"]}], anchor)
        for key in ("title", "body"):
            if key in body:
                issue[key] = body[key]
        if "labels" in body:
            issue["labels"] = [self._label(n) for n in dict.fromkeys(body["labels"])]
        if "assignees" in body:
            issue["assignees"] = [self._user(a) for a in body["assignees"]]
            issue["assignee"] = issue["assignees"][0] if issue["assignees"] else None
        if body.get("state") == "closed" and issue["state"] != "closed":
            issue.update(state="closed", closed_at=_iso(_now()), closed_by=self._user("sre-bot"))
            issue["state_reason"] = body.get("state_reason") or "completed"
        elif body.get("state") == "open" and issue["state"] != "open":
            issue.update(state="open", closed_at=None, closed_by=None, state_reason="reopened")
        issue["updated_at"] = _iso(_now())
        return Reply(200, issue)

    def list_comments(self, seen, owner, name, number):
        issue, error = self._find(owner, name, number)
        comments = self.comments.get((f"{owner}/{name}", int(number)), [])
        return error or Reply(200, [{"id": n, "body": b} for n, b in enumerate(comments, 1)])

    def create_comment(self, seen, owner, name, number):
        issue, error = self._find(owner, name, number)
        if error:
            return error
        text = (seen.body or {}).get("body") if isinstance(seen.body, dict) else None
        if not text:
            missing = {"resource": "IssueComment", "code": "missing_field", "field": "body"}
            return self._invalid([missing], "/issues/comments#create-an-issue-comment")
        self.comments.setdefault((f"{owner}/{name}", int(number)), []).append(text)
        issue["comments"] += 1
        comment_id = next(self._ids)
        return Reply(
            201,
            {
                "id": comment_id,
                "node_id": f"IC_kwFake{comment_id}",
                "url": f"{self.url}/repos/{owner}/{name}/issues/comments/{comment_id}",
                "html_url": f"{issue['html_url']}#issuecomment-{comment_id}",
                "issue_url": issue["url"],
                "body": text,
                "user": self._user("sre-bot"),
                "created_at": _iso(_now()),
                "updated_at": _iso(_now()),
                "author_association": "MEMBER",
            },
        )

    def _label_names(self, body) -> list[str]:
        if isinstance(body, dict):
            body = body.get("labels") or []
        return [n if isinstance(n, str) else n.get("name") for n in body or []]

    def add_labels(self, seen, owner, name, number):
        issue, error = self._find(owner, name, number)
        if error:
            return error
        names = [x["name"] for x in issue["labels"]] + self._label_names(seen.body)
        issue["labels"] = [self._label(n) for n in dict.fromkeys(names)]
        return Reply(200, issue["labels"])

    def set_labels(self, seen, owner, name, number):
        issue, error = self._find(owner, name, number)
        if error:
            return error
        issue["labels"] = [self._label(n) for n in dict.fromkeys(self._label_names(seen.body))]
        return Reply(200, issue["labels"])

    def remove_label(self, seen, owner, name, number, label):
        issue, error = self._find(owner, name, number)
        if error:
            return error
        if label not in {x["name"] for x in issue["labels"]}:
            return self._error(
                404, "Label does not exist", "/issues/labels#remove-a-label-from-an-issue"
            )
        issue["labels"] = [x for x in issue["labels"] if x["name"] != label]
        return Reply(200, issue["labels"])


# GitLab -------------------------------------------------------------------------------------

_PROJECT = r"/api/v4/projects/(?P<project>[^/]+)"
_GL_ISSUE = _PROJECT + r"/issues/(?P<iid>\d+)"


class GitLabFake(FakeAPI):
    """GitLab REST v4 as python-gitlab uses it for issues (docs.gitlab.com/api/issues): the
    project (numeric id or URL-encoded path), issues (``state``, ``labels``, ``per_page``,
    ``page``; ``X-Page``/``X-Next-Page``/``X-Total``... and ``Link``), create, edit
    (``state_event``, ``labels``, ``add_labels``/``remove_labels``), notes, users by name."""

    routes = (
        ("GET", _PROJECT, "get_project"),
        ("GET", _PROJECT + "/issues", "list_issues"),
        ("POST", _PROJECT + "/issues", "create_issue"),
        ("GET", _GL_ISSUE, "get_issue"),
        ("PUT", _GL_ISSUE, "edit_issue"),
        ("GET", _GL_ISSUE + "/notes", "list_notes"),
        ("POST", _GL_ISSUE + "/notes", "create_note"),
        ("GET", r"/api/v4/users", "list_users"),
    )

    def __init__(
        self, token: str = "glpat-fake", projects=None, users=("alice", "bob"), max_per_page=100
    ):
        super().__init__()
        self.token = token
        self.max_per_page = max_per_page
        self.projects = {
            path: {"id": pid, "path": path, "issues": {}}
            for path, pid in (projects or {"acme/ops": 42}).items()
        }
        self.users = {name: {"id": n, "username": name} for n, name in enumerate(users, 7)}
        self.notes: dict[tuple[int, int], list[str]] = {}
        self._ids = itertools.count(9000)

    def authorized(self, seen: Seen) -> bool:
        bearer = seen.headers.get("authorization", "")
        return seen.headers.get("private-token") == self.token or bearer == f"Bearer {self.token}"

    def unauthorized(self, seen: Seen) -> Reply:
        return Reply(401, {"message": "401 Unauthorized"})

    def no_route(self, seen: Seen) -> Reply:
        return Reply(404, {"error": "404 Not Found"})

    def throttled(self, retry_after: int) -> Reply:
        reset = _now() + timedelta(seconds=retry_after)
        return Reply(
            429,
            "Retry later\n",
            {
                "Retry-After": str(retry_after),
                "RateLimit-Name": "throttle_authenticated_api",
                "RateLimit-Limit": "60",
                "RateLimit-Observed": "61",
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(int(reset.timestamp())),
                "RateLimit-ResetTime": format_datetime(reset, usegmt=True),
            },
        )

    def _user(self, username: str) -> dict:
        user = self.users.get(username) or {"id": 1, "username": username}
        return {
            **user,
            "name": username.title(),
            "state": "active",
            "web_url": f"{self.url}/{username}",
        }

    def add_issue(
        self,
        project: str,
        title: str,
        description: str | None = "",
        labels=(),
        *,
        state: str = "opened",
        assignees=(),
        due_date: str | None = None,
    ) -> dict:
        """Store an issue as GitLab would answer it; returns it."""
        with self.lock:
            store = self.projects[project]
            iid = max(store["issues"], default=0) + 1
            created = _iso(_now())
            issue = {
                "id": next(self._ids),
                "iid": iid,
                "project_id": store["id"],
                "title": title,
                "description": description,
                "state": state,
                "created_at": created,
                "updated_at": created,
                "closed_at": created if state == "closed" else None,
                "closed_by": None,
                "labels": list(dict.fromkeys(labels)),
                "milestone": None,
                "assignees": [self._user(a) for a in assignees],
                "assignee": self._user(assignees[0]) if assignees else None,
                "author": self._user("sre-bot"),
                "type": "ISSUE",
                "issue_type": "issue",
                "user_notes_count": 0,
                "due_date": due_date,
                "confidential": False,
                "web_url": f"{self.url}/{store['path']}/-/issues/{iid}",
                "references": {"short": f"#{iid}", "full": f"{store['path']}#{iid}"},
            }
            store["issues"][iid] = issue
            return issue

    def _find(self, project: str, iid: str | None = None):
        store = next(
            (p for p in self.projects.values() if project in (p["path"], str(p["id"]))), None
        )
        if store is None:
            return None, Reply(404, {"message": "404 Project Not Found"})
        if iid is None:
            return store, None
        issue = store["issues"].get(int(iid))
        if issue is None:
            return None, Reply(404, {"message": "404 Not found"})
        return issue, None

    @staticmethod
    def _names(value) -> list[str]:
        if isinstance(value, str):
            return [n.strip() for n in value.split(",") if n.strip()]
        return list(value or [])

    def _validate(self, body: dict) -> Reply | None:
        if len(body.get("title") or "") > 255:
            return Reply(400, {"message": {"title": ["is too long (maximum is 255 characters)"]}})
        if body.get("due_date"):
            try:
                date.fromisoformat(body["due_date"])
            except ValueError:
                return Reply(400, {"error": "due_date is invalid"})
        return None

    def get_project(self, seen, project):
        store, error = self._find(project)
        return error or Reply(
            200,
            {
                "id": store["id"],
                "path_with_namespace": store["path"],
                "web_url": f"{self.url}/{store['path']}",
            },
        )

    def list_issues(self, seen, project):
        store, error = self._find(project)
        if error:
            return error
        state = seen.arg("state", "all")
        wanted = self._names(seen.arg("labels") or "")
        per_page = min(int(seen.arg("per_page", "20")), self.max_per_page)
        page = int(seen.arg("page", "1"))
        matching = [
            i
            for i in sorted(store["issues"].values(), key=lambda i: -i["iid"])
            if state in ("all", i["state"]) and set(wanted) <= set(i["labels"])
        ]
        chunk, pages = _pages(matching, page, per_page)
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Prev-Page": str(page - 1) if page > 1 else "",
            "X-Next-Page": str(page + 1) if page < pages else "",
            "X-Total": str(len(matching)),
            "X-Total-Pages": str(pages),
        }
        link = self._links(seen, page, pages)
        return Reply(200, chunk, {**headers, "Link": link} if link else headers)

    def create_issue(self, seen, project):
        store, error = self._find(project)
        if error:
            return error
        body = seen.body if isinstance(seen.body, dict) else {}
        if not body.get("title"):
            return Reply(400, {"error": "title is missing"})
        problem = self._validate(body)
        if problem:
            return problem
        by_id = {u["id"]: name for name, u in self.users.items()}
        issue = self.add_issue(
            store["path"],
            body["title"],
            body.get("description"),
            self._names(body.get("labels")),
            assignees=[by_id[i] for i in body.get("assignee_ids") or [] if i in by_id],
            due_date=body.get("due_date"),
        )
        return Reply(201, issue)

    def get_issue(self, seen, project, iid):
        issue, error = self._find(project, iid)
        return error or Reply(200, issue)

    def edit_issue(self, seen, project, iid):
        issue, error = self._find(project, iid)
        if error:
            return error
        body = seen.body if isinstance(seen.body, dict) else {}
        problem = self._validate(body)
        if problem:
            return problem
        event = body.get("state_event")
        if event not in (None, "close", "reopen"):
            return Reply(400, {"error": "state_event does not have a valid value"})
        for key in ("title", "description", "due_date"):
            if key in body:
                issue[key] = body[key]
        if "labels" in body:
            issue["labels"] = list(dict.fromkeys(self._names(body["labels"])))
        added = self._names(body.get("add_labels"))
        removed = set(self._names(body.get("remove_labels")))
        issue["labels"] = [n for n in dict.fromkeys(issue["labels"] + added) if n not in removed]
        if event == "close" and issue["state"] != "closed":
            issue.update(state="closed", closed_at=_iso(_now()), closed_by=self._user("sre-bot"))
        elif event == "reopen" and issue["state"] != "opened":
            issue.update(state="opened", closed_at=None, closed_by=None)
        issue["updated_at"] = _iso(_now())
        return Reply(200, issue)

    def list_notes(self, seen, project, iid):
        issue, error = self._find(project, iid)
        notes = self.notes.get((issue["project_id"], issue["iid"]), []) if issue else []
        return error or Reply(200, [{"id": n, "body": b} for n, b in enumerate(notes, 1)])

    def create_note(self, seen, project, iid):
        issue, error = self._find(project, iid)
        if error:
            return error
        text = seen.body.get("body") if isinstance(seen.body, dict) else None
        if not text:
            return Reply(400, {"error": "body is missing"})
        self.notes.setdefault((issue["project_id"], issue["iid"]), []).append(text)
        issue["user_notes_count"] += 1
        return Reply(
            201,
            {
                "id": next(self._ids),
                "body": text,
                "author": self._user("sre-bot"),
                "created_at": _iso(_now()),
                "system": False,
                "noteable_id": issue["id"],
                "noteable_type": "Issue",
                "noteable_iid": issue["iid"],
            },
        )

    def list_users(self, seen):
        name = seen.arg("username")
        found = [self._user(name)] if name in self.users else []
        return Reply(200, found, {"X-Page": "1", "X-Per-Page": "20", "X-Total": str(len(found))})


# Jira ---------------------------------------------------------------------------------------

_API = "/rest/api/2"
_JIRA_ISSUE = _API + r"/issue/(?P<key>[^/]+)"
_JQL = re.compile(
    r'project = "(?P<project>[^"]+)" AND labels = "(?P<label>[^"]+)" '
    r"AND statusCategory != Done(?: ORDER BY .*)?"
)
_CATEGORIES = {
    "new": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "indeterminate": {
        "id": 4,
        "key": "indeterminate",
        "colorName": "yellow",
        "name": "In Progress",
    },
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}
SYSTEM_FIELDS = {
    "summary": ["summary"],
    "description": ["description"],
    "status": ["status"],
    "labels": ["labels"],
    "priority": ["priority"],
    "assignee": ["assignee"],
    "duedate": ["due", "duedate"],
    "resolutiondate": ["resolutiondate", "resolved"],
    "issuetype": ["issuetype", "type"],
    "project": ["project"],
}


def _status(sid: str, name: str, category: str) -> dict:
    return {"id": sid, "name": name, "statusCategory": _CATEGORIES[category]}


TO_DO = _status("10000", "To Do", "new")
IN_PROGRESS = _status("3", "In Progress", "indeterminate")
DONE = _status("10001", "Done", "done")


def _jira_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class JiraFake(FakeAPI):
    """Jira REST v2 as the ``jira`` library uses it (developer.atlassian.com, REST v2):
    ``serverInfo``, project, fields, priorities, search (Server/Data Center:
    ``GET /rest/api/2/search`` with ``startAt``/``maxResults``/``total``; Cloud:
    ``GET /rest/api/2/search/jql`` with ``nextPageToken``, the old endpoint answering 410 as
    Atlassian's does since its removal), create, read, edit, comment, transitions, user search.
    ``deployment`` is "Server" or "Cloud"; Cloud expects basic auth (``email`` + token),
    Server a Bearer personal access token. ``workflow`` maps a status category to the
    transitions (id, name, target status) offered from it."""

    routes = (
        ("GET", _API + "/serverInfo", "server_info"),
        ("GET", _API + r"/project/(?P<key>[^/]+)", "get_project"),
        ("GET", _API + "/field", "fields"),
        ("GET", _API + "/priority", "priorities"),
        ("GET", _API + "/search", "search"),
        ("GET", _API + "/search/jql", "search_jql"),
        ("POST", _API + "/issue", "create_issue"),
        ("GET", _JIRA_ISSUE, "get_issue"),
        ("PUT", _JIRA_ISSUE, "edit_issue"),
        ("POST", _JIRA_ISSUE + "/comment", "add_comment"),
        ("GET", _JIRA_ISSUE + "/transitions", "get_transitions"),
        ("POST", _JIRA_ISSUE + "/transitions", "do_transition"),
        ("GET", _API + "/user/search", "user_search"),
    )

    def __init__(
        self,
        token: str = "jira-token",
        *,
        email: str | None = None,
        deployment: str = "Server",
        projects=("OPS",),
        max_results: int = 50,
    ):
        super().__init__()
        self.token, self.email, self.deployment = token, email, deployment
        self.max_results = max_results
        self.projects = {key: {"id": str(10000 + n), "key": key} for n, key in enumerate(projects)}
        self.issue_types = {"Task", "Bug", "Story"}
        self.priority_names = ["Highest", "High", "Medium", "Low", "Lowest"]
        self.users = [
            {
                "name": "alice",
                "accountId": "5b10ac8d82e05b22cc7d4ef5",
                "displayName": "Alice Example",
                "emailAddress": "alice@example.com",
            },
            {
                "name": "bob",
                "accountId": "5b10a2844c20165700ede21g",
                "displayName": "Bob Example",
                "emailAddress": "bob@example.com",
            },
        ]
        self.workflow: dict[str, list[tuple[str, str, dict]]] = {
            "new": [("21", "In Progress", IN_PROGRESS), ("31", "Done", DONE)],
            "indeterminate": [("11", "To Do", TO_DO), ("31", "Done", DONE)],
            "done": [("41", "Reopen", TO_DO)],
        }
        self.issues: dict[str, dict] = {}
        self.comments: dict[str, list[str]] = {}
        self._ids = itertools.count(10001)

    # auth and errors
    @property
    def cloud(self) -> bool:
        """Whether this fake plays Jira Cloud."""
        return self.deployment == "Cloud"

    def authorized(self, seen: Seen) -> bool:
        header = seen.headers.get("authorization", "")
        if self.email:
            basic = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
            return header == f"Basic {basic}"
        return header == f"Bearer {self.token}"

    def _errors(self, status: int, messages=(), errors=None) -> Reply:
        return Reply(status, {"errorMessages": list(messages), "errors": errors or {}})

    def unauthorized(self, seen: Seen) -> Reply:
        return self._errors(
            401, ["You are not authenticated. Authentication required to perform this operation."]
        )

    def no_route(self, seen: Seen) -> Reply:
        return Reply(404, {"message": f"null for uri: {self.url}{seen.path}", "status-code": 404})

    def throttled(self, retry_after: int) -> Reply:
        reset = _now() + timedelta(seconds=retry_after)
        reply = self._errors(429, ["Rate limit exceeded."])
        reply.headers.update(
            {
                "Retry-After": str(retry_after),
                "X-RateLimit-Limit": "100",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ"),
            }
        )
        return reply

    # data
    def _user(self, user: dict | None) -> dict | None:
        if user is None:
            return None
        out = {
            "self": f"{self.url}{_API}/user?accountId={user['accountId']}",
            "displayName": user["displayName"],
            "emailAddress": user["emailAddress"],
            "active": True,
        }
        if self.cloud:
            return {**out, "accountId": user["accountId"], "accountType": "atlassian"}
        return {**out, "name": user["name"], "key": user["name"]}

    def add_issue(
        self,
        project: str,
        summary: str,
        description: str | None = "",
        labels=(),
        *,
        status: dict = TO_DO,
        priority: str = "Medium",
        issue_type: str = "Task",
        assignee: dict | None = None,
        duedate: str | None = None,
    ) -> dict:
        """Store an issue; returns it (``fields`` as Jira answers them)."""
        with self.lock:
            issue_id = str(next(self._ids))
            number = 1 + sum(1 for i in self.issues.values() if i["project"] == project)
            key = f"{project}-{number}"
            now = _jira_time(_now())
            done = status["statusCategory"]["key"] == "done"
            issue = {
                "id": issue_id,
                "key": key,
                "project": project,
                "fields": {
                    "summary": summary,
                    "description": description,
                    "status": status,
                    "labels": list(labels),
                    "priority": {"name": priority, "id": str(self.priority_names.index(priority))},
                    "issuetype": {"name": issue_type},
                    "project": {"key": project, "id": self.projects[project]["id"]},
                    "assignee": self._user(assignee),
                    "duedate": duedate,
                    "resolution": {"name": "Done"} if done else None,
                    "resolutiondate": now if done else None,
                    "created": now,
                    "updated": now,
                },
            }
            self.issues[key] = issue
            return issue

    def _render(self, issue: dict, seen: Seen) -> dict:
        wanted = [f for v in seen.query.get("fields", []) for f in v.split(",") if f]
        fields = issue["fields"]
        if wanted and "*all" not in wanted:
            fields = {k: v for k, v in fields.items() if k in wanted}
        return {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog",
            "id": issue["id"],
            "self": f"{self.url}{_API}/issue/{issue['id']}",
            "key": issue["key"],
            "fields": fields,
        }

    def _issue(self, key: str):
        issue = self.issues.get(key) or next(
            (i for i in self.issues.values() if i["id"] == key), None
        )
        if issue is None:
            return None, self._errors(
                404, ["Issue does not exist or you do not have permission to see it."]
            )
        return issue, None

    def _matching(self, seen: Seen):
        jql = seen.arg("jql") or ""
        match = _JQL.fullmatch(jql.strip())
        if not match:
            return None, self._errors(400, [f"Error in the JQL Query: cannot parse '{jql}'."])
        if match["project"] not in self.projects:
            return None, self._errors(
                400, [f"The value '{match['project']}' does not exist for the field 'project'."]
            )
        found = [
            i
            for i in sorted(self.issues.values(), key=lambda i: -int(i["id"]))
            if i["project"] == match["project"]
            and match["label"] in i["fields"]["labels"]
            and i["fields"]["status"]["statusCategory"]["key"] != "done"
        ]
        return found, None

    def _check_fields(self, fields: dict) -> dict:
        errors = {}
        if "issuetype" in fields and fields["issuetype"].get("name") not in self.issue_types:
            errors["issuetype"] = "Specify a valid issue type"
        if "priority" in fields and fields["priority"].get("name") not in self.priority_names:
            errors["priority"] = f"Priority name '{fields['priority'].get('name')}' is not valid"
        spaced = [x for x in fields.get("labels") or [] if re.search(r"\s", x)]
        if spaced:
            errors["labels"] = f"The label '{spaced[0]}' contains spaces which is invalid."
        if fields.get("duedate"):
            try:
                date.fromisoformat(fields["duedate"])
            except ValueError:
                errors["duedate"] = f"Error parsing date string: {fields['duedate']}"
        if fields.get("assignee") is not None and self._assignee(fields["assignee"]) is None:
            errors["assignee"] = (
                "Specified user does not exist or you do not have required permissions"
                if self.cloud
                else f"User '{fields['assignee'].get('name')}' does not exist."
            )
        return errors

    def _assignee(self, value: dict) -> dict | None:
        key = "accountId" if self.cloud else "name"  # Cloud knows users by account id only
        return next((u for u in self.users if u[key] == value.get(key)), None)

    # routes
    def server_info(self, seen):
        version = [1001, 0, 0] if self.cloud else [9, 12, 2]
        return Reply(
            200,
            {
                "baseUrl": self.url,
                "version": ".".join(map(str, version)),
                "versionNumbers": version,
                "deploymentType": self.deployment,
                "buildNumber": 100245,
                "serverTitle": "Jira",
            },
        )

    def get_project(self, seen, key):
        project = self.projects.get(key)
        if project is None:
            return self._errors(404, [f"No project could be found with key '{key}'."])
        return Reply(
            200,
            {
                **project,
                "self": f"{self.url}{_API}/project/{project['id']}",
                "name": f"{key} project",
                "projectTypeKey": "software",
            },
        )

    def fields(self, seen):
        return Reply(
            200,
            [
                {
                    "id": fid,
                    "name": fid.title(),
                    "custom": False,
                    "navigable": True,
                    "searchable": True,
                    "clauseNames": clauses,
                }
                for fid, clauses in SYSTEM_FIELDS.items()
            ],
        )

    def priorities(self, seen):
        return Reply(200, [{"id": str(n), "name": p} for n, p in enumerate(self.priority_names)])

    def search(self, seen):
        if self.cloud:
            return self._errors(
                410,
                [
                    "The requested API has been removed. Please migrate to the "
                    "/rest/api/3/search/jql API. A full migration guideline is available at "
                    "https://developer.atlassian.com/changelog/#CHANGE-2046"
                ],
            )
        found, error = self._matching(seen)
        if error:
            return error
        start = int(seen.arg("startAt", "0"))
        size = min(int(seen.arg("maxResults", "50")), self.max_results)
        return Reply(
            200,
            {
                "expand": "schema,names",
                "startAt": start,
                "maxResults": size,
                "total": len(found),
                "issues": [self._render(i, seen) for i in found[start : start + size]],
            },
        )

    def search_jql(self, seen):
        if not self.cloud:
            return self.no_route(seen)
        found, error = self._matching(seen)
        if error:
            return error
        token = seen.arg("nextPageToken")
        start = int(base64.urlsafe_b64decode(token).decode()) if token else 0
        size = min(int(seen.arg("maxResults", "50")), self.max_results)
        page = found[start : start + size]
        body = {"issues": [self._render(i, seen) for i in page], "isLast": True}
        if start + size < len(found):
            body["isLast"] = False
            body["nextPageToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
        return Reply(200, body)

    def create_issue(self, seen):
        fields = (seen.body or {}).get("fields") or {} if isinstance(seen.body, dict) else {}
        errors = {}
        project = (fields.get("project") or {}).get("key")
        if project not in self.projects:
            errors["project"] = "valid project is required"
        if not fields.get("summary"):
            errors["summary"] = "You must specify a summary of the issue."
        errors.update(self._check_fields(fields))
        if "issuetype" not in fields:
            errors["issuetype"] = "Specify an issue type"
        if errors:
            return self._errors(400, [], errors)
        issue = self.add_issue(
            project,
            fields["summary"],
            fields.get("description"),
            fields.get("labels") or [],
            priority=(fields.get("priority") or {}).get("name") or "Medium",
            issue_type=fields["issuetype"]["name"],
            assignee=self._assignee(fields["assignee"]) if fields.get("assignee") else None,
            duedate=fields.get("duedate"),
        )
        link = f"{self.url}{_API}/issue/{issue['id']}"
        return Reply(201, {"id": issue["id"], "key": issue["key"], "self": link})

    def get_issue(self, seen, key):
        issue, error = self._issue(key)
        return error or Reply(200, self._render(issue, seen))

    def edit_issue(self, seen, key):
        issue, error = self._issue(key)
        if error:
            return error
        fields = (seen.body or {}).get("fields") or {} if isinstance(seen.body, dict) else {}
        errors = self._check_fields(fields)
        if errors:
            return self._errors(400, [], errors)
        for name, value in fields.items():
            if name == "priority":
                value = {"name": value["name"], "id": str(self.priority_names.index(value["name"]))}
            if name == "assignee":
                value = self._user(self._assignee(value)) if value else None
            issue["fields"][name] = value
        issue["fields"]["updated"] = _jira_time(_now())
        return Reply(204)

    def add_comment(self, seen, key):
        issue, error = self._issue(key)
        if error:
            return error
        text = seen.body.get("body") if isinstance(seen.body, dict) else None
        if not text:
            return self._errors(400, [], {"comment": "Comment body can not be empty!"})
        self.comments.setdefault(issue["key"], []).append(text)
        comment_id = str(next(self._ids))
        now = _jira_time(_now())
        return Reply(
            201,
            {
                "self": f"{self.url}{_API}/issue/{issue['id']}/comment/{comment_id}",
                "id": comment_id,
                "body": text,
                "created": now,
                "updated": now,
            },
        )

    def _offered(self, issue: dict) -> list[dict]:
        category = issue["fields"]["status"]["statusCategory"]["key"]
        return [
            {"id": tid, "name": name, "to": to, "hasScreen": False, "isGlobal": False}
            for tid, name, to in self.workflow.get(category, [])
        ]

    def get_transitions(self, seen, key):
        issue, error = self._issue(key)
        if error:
            return error
        return Reply(200, {"expand": "transitions", "transitions": self._offered(issue)})

    def do_transition(self, seen, key):
        issue, error = self._issue(key)
        if error:
            return error
        wanted = str(((seen.body or {}).get("transition") or {}).get("id"))
        chosen = next((t for t in self._offered(issue) if t["id"] == wanted), None)
        if chosen is None:
            return self._errors(400, [f"Transition id '{wanted}' is not valid for this issue."])
        fields = issue["fields"]
        fields["status"] = chosen["to"]
        done = chosen["to"]["statusCategory"]["key"] == "done"
        fields["resolution"] = {"name": "Done"} if done else None
        fields["resolutiondate"] = _jira_time(_now()) if done else None
        return Reply(204)

    def user_search(self, seen):
        if self.cloud:
            wanted = (seen.arg("query") or "").casefold()
            keys = ("displayName", "emailAddress", "accountId")
        else:
            wanted = (seen.arg("username") or "").casefold()
            keys = ("name", "displayName", "emailAddress")
        found = [u for u in self.users if any(wanted in u[k].casefold() for k in keys)]
        return Reply(200, [self._user(u) for u in found])
