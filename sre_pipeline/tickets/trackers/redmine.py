"""Redmine issues as tickets, through its REST API with python-redmine (``redminelib``).

The pipeline's issues are those of the project whose description ends with the marker
(:func:`~sre_pipeline.tickets.trackers.base.marker`): Redmine has no labels, so the marker
alone says which issues are ours, and ``labels`` of a :class:`NewTicket` are not sent.
Redmine's own filters narrow the listing first (open statuses, the project, the description
containing the marker's words); the marker is then parsed from each description.

Every HTTP request is one attempt of :func:`with_retries`: the library's and requests' own
retries are off, redirects are not followed (a redirect means the configured URL is wrong),
429 and 5xx answers become :class:`Retryable` (waiting what ``Retry-After`` says) and the
other 4xx become the clear :func:`refused` errors. The API key needs a role in the project
that may add, edit and close issues (and, for ``assignee``, see the members).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import requests
from redminelib import Redmine
from redminelib.engines.sync import SyncEngine
from redminelib.exceptions import BaseRedmineError, JSONDecodeError
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError

from sre_pipeline.tickets.trackers.base import (
    PRIORITIES,
    NewTicket,
    Retryable,
    RetryPolicy,
    Ticket,
    TrackerError,
    fingerprint_of,
    refused,
    retry_after,
    with_marker,
    with_retries,
)

DEFAULT_PRIORITIES = {"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"}
PAGE = 100  # Redmine's maximum page size for the REST API
SUBJECT_MAX = 255  # Redmine rejects longer subjects with a 422
# what Redmine's description filter ("contains") looks for: the marker without its value
MARKER_WORDS = "sre-pipeline fingerprint"

T = TypeVar("T")


class _HTTPFailure(Exception):
    """A non-2xx answer, with what the mapping to Retryable / refused needs: python-redmine's
    own exceptions carry neither the status of a 5xx nor any header."""

    def __init__(self, status: int, headers, detail: str, reason: str = ""):
        super().__init__(f"HTTP {status}")
        self.status, self.headers, self.detail, self.reason = status, headers, detail, reason


class _MaybeSent(Retryable):
    """A failure after which the request may have reached Redmine and been carried out (a
    5xx other than 429, a read timeout, a dropped connection): retrying a create could open
    a second issue, so :meth:`RedmineTracker.create` first looks for the one it may have
    opened."""


def _detail(response: requests.Response) -> str:
    """What an error answer says, briefly: Redmine's validation messages (``errors``) or a
    short plain-text body; never an HTML page."""
    kind = response.headers.get("Content-Type", "")
    if "json" in kind:
        try:
            errors = response.json().get("errors")
        except (ValueError, AttributeError):
            errors = None
        if errors:
            return "; ".join(": ".join(e) if isinstance(e, list) else str(e) for e in errors)
    if kind.startswith("text/plain"):
        return response.text.strip()[:300]
    return ""


class _Engine(SyncEngine):
    """python-redmine's blocking engine with a per-request timeout (requests has no session
    timeout, so the library's ``requests={"timeout": ...}`` would be ignored), no retries,
    no redirects, and every non-2xx answer raised as :class:`_HTTPFailure`."""

    def __init__(self, **options):
        self.timeout_s = options.pop("timeout_s")
        super().__init__(**options)

    @staticmethod
    def create_session(**params):
        session = SyncEngine.create_session(**params)
        adapter = HTTPAdapter(max_retries=0)  # retries are with_retries' alone
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def request(self, method, url, headers=None, params=None, data=None):
        kwargs = self.construct_request_kwargs(method, headers, params, data)
        response = self.session.request(
            method, url, timeout=self.timeout_s, allow_redirects=False, **kwargs
        )
        return self.process_response(response)

    def process_response(self, response):
        if response.status_code >= 300:
            raise _HTTPFailure(
                response.status_code,
                response.headers,
                _detail(response),
                response.headers.get("Location", "") or response.reason or "",
            )
        return super().process_response(response)


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached Redmine (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    inner = exc.args[0] if exc.args else None
    return isinstance(inner, MaxRetryError) and isinstance(inner.reason, NewConnectionError)


def _reason(exc: requests.RequestException, timeout_s: float) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return f"no connection within {timeout_s:g} s"
    if isinstance(exc, requests.ReadTimeout):
        return f"no answer within {timeout_s:g} s"
    inner = exc.args[0] if exc.args else exc
    text = str(getattr(inner, "reason", inner))
    # urllib3 prefixes the connection object ("HTTPConnection(host=..., port=...): ")
    return "cannot connect: " + re.sub(r"^\S*(?:\([^)]*\)|<[^>]*>): ", "", text)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _datetime(value: str | None) -> datetime | None:
    """Redmine's UTC timestamps (``2026-12-02T20:24:38Z``) as aware datetimes."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class RedmineTracker:
    """The issues of one Redmine project.

    ``priorities`` maps ours (low, normal, high, urgent) to Redmine's priority names (missing
    keys keep the defaults Low, Normal, High, Urgent); ``tracker_name`` is the Redmine
    tracker new issues get (default: the project's first); ``closed_status`` the status
    :meth:`close` sets (default: the first closed status). Names are matched ignoring case.
    """

    def __init__(
        self,
        name: str,
        url: str,
        project: str,
        api_key: str,
        *,
        policy: RetryPolicy | None = None,
        timeout_s: float = 30.0,
        priorities: dict[str, str] | None = None,
        tracker_name: str | None = None,
        closed_status: str | None = None,
    ):
        self.name = name
        self.url = url.rstrip("/")
        self.project = project
        self.label = f"Redmine {self.url}"
        self.policy = policy or RetryPolicy()
        self.timeout_s = timeout_s
        self.priorities = {**DEFAULT_PRIORITIES, **(priorities or {})}
        self.tracker_name = tracker_name
        self.closed_status = closed_status
        self._redmine = Redmine(
            self.url,
            key=api_key,
            engine=_Engine,
            timeout_s=timeout_s,
            requests={"headers": {"User-Agent": "sre-pipeline (python-redmine)"}},
        )
        # lookups that change rarely, read once per instance (one pipeline run)
        self._project_info: dict | None = None
        self._priority_ids: dict[str, tuple[int, str]] | None = None  # lower name -> id, name
        self._statuses: dict[int, dict] | None = None
        self._user_ids: dict[str, int] = {}

    # --- one request, the error mapping -------------------------------------------------

    def _where(self, what: str) -> str:
        return f"{self.label} project '{self.project}': {what}"

    def _attempt(self, call: Callable[[], T]) -> T:
        """``call()`` once, its failures mapped: Retryable (429, 5xx, no connection),
        refused (other 4xx), TrackerError (a redirect, an answer python-redmine cannot
        read)."""
        try:
            return call()
        except _HTTPFailure as exc:
            if exc.status == 429:
                raise Retryable(
                    "HTTP 429 (rate limited)", wait=retry_after(exc.headers), status=429
                ) from None
            if exc.status >= 500:
                text = f"HTTP {exc.status} {exc.reason}".strip()
                raise _MaybeSent(text, wait=retry_after(exc.headers), status=exc.status) from None
            if exc.status < 400:
                raise TrackerError(
                    self._where(
                        f"HTTP {exc.status}: Redmine redirected to {exc.reason or '?'}: set the "
                        "tracker's url to Redmine's own address (https, the path it is served "
                        "under)"
                    ),
                    exc.status,
                ) from None
            detail = exc.detail
            if exc.status == 403 and not detail:
                detail = "or Redmine's REST API is off: Administration > Settings > API"
            raise refused(self.label, self.project, exc.status, detail) from None
        except requests.RequestException as exc:
            kind = Retryable if _never_sent(exc) else _MaybeSent
            raise kind(_reason(exc, self.timeout_s)) from None
        except JSONDecodeError:
            raise TrackerError(
                self._where("the answer is not JSON: is the url Redmine's own base URL?")
            ) from None
        except BaseRedmineError as exc:
            raise TrackerError(self._where(str(exc))) from None

    def _call(self, what: str, call: Callable[[], T]) -> T:
        """``call()`` (one HTTP request) with the retry policy; ``what`` names it in errors."""
        return with_retries(lambda: self._attempt(call), self.policy, self._where(what))

    # --- lookups ---------------------------------------------------------------------------

    def _project(self) -> dict:
        """The project (id, trackers); a 404 here is the clear "no such project" error."""
        if self._project_info is None:
            self._project_info = self._call(
                "read the project",
                lambda: self._redmine.project.get(self.project, include=["trackers"]).raw(),
            )
        return self._project_info

    def _tracker_id(self) -> int:
        trackers = self._project().get("trackers") or []
        if not trackers:
            raise TrackerError(
                self._where(
                    "the project has no tracker enabled: enable one (Bug, Task...) in "
                    "the project's settings"
                )
            )
        if self.tracker_name is None:
            return trackers[0]["id"]
        for t in trackers:
            if t["name"].lower() == self.tracker_name.lower():
                return t["id"]
        names = ", ".join(t["name"] for t in trackers)
        raise TrackerError(
            self._where(
                f"no tracker '{self.tracker_name}' in the project (it has {names}): fix the "
                "tracker setting or enable that tracker in the project"
            )
        )

    def _priorities(self) -> dict[str, tuple[int, str]]:
        if self._priority_ids is None:
            rows = self._call(
                "read the issue priorities",
                lambda: [
                    p.raw() for p in self._redmine.enumeration.filter(resource="issue_priorities")
                ],
            )
            self._priority_ids = {r["name"].lower(): (r["id"], r["name"]) for r in rows}
        return self._priority_ids

    def _priority_id(self, priority: str) -> int:
        if priority not in self.priorities:
            raise TrackerError(
                self._where(
                    f"unknown priority '{priority}': expected one of {', '.join(PRIORITIES)}"
                )
            )
        wanted = self.priorities[priority]
        found = self._priorities().get(wanted.lower())
        if found is None:
            have = ", ".join(name for _, name in self._priorities().values())
            raise TrackerError(
                self._where(
                    f"Redmine has no issue priority '{wanted}' (for our '{priority}'; it has "
                    f"{have}): map {priority} to one of those in the tracker's priorities"
                )
            )
        return found[0]

    def _our_priority(self, redmine_name: str | None) -> str | None:
        """Redmine's priority name as ours, or None when no configured name matches it (a
        human chose another priority)."""
        if not redmine_name:
            return None
        for ours, theirs in self.priorities.items():
            if theirs.lower() == redmine_name.lower():
                return ours
        return None

    def _status_table(self, refresh: bool = False) -> dict[int, dict]:
        if self._statuses is None or refresh:
            rows = self._call(
                "read the issue statuses",
                lambda: [s.raw() for s in self._redmine.issue_status.all()],
            )
            self._statuses = {r["id"]: r for r in rows}
        return self._statuses

    def _is_closed(self, status: dict) -> bool:
        if "is_closed" in status:  # Redmine >= 5.0 says so in the issue itself
            return bool(status["is_closed"])
        table = self._status_table()
        if status.get("id") not in table:  # a status created since we read the table
            table = self._status_table(refresh=True)
        return bool(table.get(status.get("id"), {}).get("is_closed"))

    def _closed_status(self) -> tuple[int, str]:
        statuses = list(self._status_table().values())  # in Redmine's order
        if self.closed_status is None:
            for s in statuses:
                if s.get("is_closed"):
                    return s["id"], s["name"]
            raise TrackerError(self._where("Redmine has no closed issue status"))
        for s in statuses:
            if s["name"].lower() == self.closed_status.lower():
                if not s.get("is_closed"):
                    raise TrackerError(
                        self._where(
                            f"status '{s['name']}' is not a closed status: set "
                            "closed_status to one marked closed in Redmine"
                        )
                    )
                return s["id"], s["name"]
        have = ", ".join(s["name"] for s in statuses if s.get("is_closed"))
        raise TrackerError(
            self._where(f"no issue status '{self.closed_status}' (closed ones: {have})")
        )

    def _user_id(self, who: str) -> int:
        """The id of the user ``who`` names: a login (admin keys can list users) or a
        project member's name (any key that can see the members)."""
        key = who.lower()
        if key in self._user_ids:
            return self._user_ids[key]
        found: int | None = None
        try:
            users = self._call(
                f"look up user '{who}'",
                lambda: [u.raw() for u in self._redmine.user.filter(name=who, limit=PAGE)],
            )
            found = next((u["id"] for u in users if u.get("login", "").lower() == key), None)
        except TrackerError as exc:
            if exc.status != 403:  # 403: not an admin key; the members still say
                raise
        if found is None:
            found = next(
                (m["user"]["id"] for m in self._members() if m["user"]["name"].lower() == key),
                None,
            )
        if found is None:
            raise TrackerError(
                self._where(
                    f"no user '{who}' among Redmine's logins or the project's members: map "
                    "the owner to a Redmine login in the tracker's users, and make that user "
                    "a member of the project"
                )
            )
        self._user_ids[key] = found
        return found

    def _members(self) -> list[dict]:
        out: list[dict] = []
        while True:
            offset = len(out)
            page = self._call(
                "list the project's members",
                lambda offset=offset: [
                    m.raw()
                    for m in self._redmine.project_membership.filter(
                        project_id=self.project, limit=PAGE, offset=offset
                    )
                ],
            )
            out.extend(page)
            if len(page) < PAGE:
                return [m for m in out if "user" in m]  # groups are members too

    # --- issues as tickets -----------------------------------------------------------------

    def _ticket(self, issue: dict) -> Ticket:
        status = issue.get("status") or {}
        assignee = issue.get("assigned_to") or {}
        return Ticket(
            tracker_id=str(issue["id"]),
            title=issue.get("subject", ""),
            state="closed" if self._is_closed(status) else "open",
            url=f"{self.url}/issues/{issue['id']}",
            fingerprint=fingerprint_of(issue.get("description")),
            status=status.get("name"),
            assignee=assignee.get("name"),
            due_date=_date(issue.get("due_date")),
            closed_at=_datetime(issue.get("closed_on")),
            priority=self._our_priority((issue.get("priority") or {}).get("name")),
        )

    def _open_marked(self, after: int) -> list[dict]:
        """One page of the project's open issues whose description contains the marker's
        words, ids above ``after``, oldest first. Paging by id, not offset: an issue closed
        while we page would shift every later one back and one would be missed."""
        return [
            i.raw()
            for i in self._redmine.issue.filter(
                project_id=self.project,
                status_id="open",
                description=f"~{MARKER_WORDS}",
                issue_id=f">={after + 1}",
                sort="id",
                limit=PAGE,
            )
        ]

    def open_tickets(self) -> list[Ticket]:
        """Every open issue of the project (subprojects too, when Redmine shows their issues
        in the parent) whose description carries the marker; all pages."""
        issues: list[dict] = []
        after = 0
        while True:
            page = self._call("list open issues", lambda after=after: self._open_marked(after))
            fresh = [i for i in page if i["id"] > after]
            issues.extend(fresh)
            if len(page) < PAGE:
                break
            if not fresh:  # a Redmine without the issue_id filter would page forever
                raise TrackerError(
                    self._where(
                        "Redmine ignored the issue_id filter while paging open issues; "
                        "Redmine 3.3 or later is needed"
                    )
                )
            after = max(i["id"] for i in fresh)
        tickets = [self._ticket(i) for i in issues]
        return [t for t in tickets if t.fingerprint is not None]

    def _issue(self, tracker_id: str) -> dict:
        number = self._number(tracker_id)
        return self._call(f"read issue #{number}", lambda: self._redmine.issue.get(number).raw())

    @staticmethod
    def _number(tracker_id: str) -> int:
        text = str(tracker_id).strip().lstrip("#")
        if not text.isdigit():
            raise TrackerError(f"'{tracker_id}' is not a Redmine issue number")
        return int(text)

    def get(self, tracker_id: str) -> Ticket:
        """One issue, open or closed; an unknown number is a 404 :class:`TrackerError`."""
        return self._ticket(self._issue(tracker_id))

    def _find_open(self, fingerprint: str) -> dict | None:
        """The open issue carrying ``fingerprint``'s marker, if any (one request)."""
        for issue in self._redmine.issue.filter(
            project_id=self.project,
            status_id="open",
            description=f"~{fingerprint}",
            sort="id",
            limit=PAGE,
        ):
            raw = issue.raw()
            if fingerprint_of(raw.get("description")) == fingerprint:
                return raw
        return None

    def create(self, ticket: NewTicket) -> Ticket:
        """A new issue: subject, description (with the marker), priority, due date and
        assignee (a login or a member's name) resolved to Redmine's ids first.

        A retry after an answer that may have come after Redmine created the issue (a 5xx,
        a timeout) looks for the issue by its marker first, so one create is one issue.
        """
        description = ticket.description
        if fingerprint_of(description) != ticket.fingerprint:  # never open an issue not ours
            description = with_marker(description, ticket.fingerprint)
        fields: dict[str, Any] = {
            "project_id": self.project,  # the URL: /projects/<identifier>/issues.json
            "tracker_id": self._tracker_id(),
            "subject": ticket.title[:SUBJECT_MAX],
            "description": description,
            "priority_id": self._priority_id(ticket.priority),
        }
        if ticket.due_date is not None:
            fields["due_date"] = ticket.due_date
            # Redmine starts an issue today and refuses a due date before its start (422):
            # an item already overdue when filed starts on its due date instead
            if ticket.due_date < date.today():
                fields["start_date"] = ticket.due_date
        if ticket.assignee:
            fields["assigned_to_id"] = self._user_id(ticket.assignee)
        maybe_created = False

        def attempt() -> dict:
            nonlocal maybe_created
            if maybe_created:
                existing = self._attempt(lambda: self._find_open(ticket.fingerprint))
                if existing is not None:
                    return existing
            try:
                return self._attempt(lambda: self._redmine.issue.create(**fields).raw())
            except _MaybeSent:
                maybe_created = True
                raise

        issue = with_retries(attempt, self.policy, self._where(f"create issue '{ticket.title}'"))
        return self._ticket(issue)

    def _last_note_is(self, number: int, text: str) -> bool:
        """Whether the issue's newest journal carries ``text`` (one request)."""
        journals = self._redmine.issue.get(number, include=["journals"]).raw().get("journals")
        last = (journals or [{}])[-1].get("notes") or ""
        return last.replace("\r\n", "\n").strip() == text.replace("\r\n", "\n").strip()

    def _update(self, tracker_id: str, what: str, **fields) -> int:
        """One update of the issue under the retry policy. A retry of an update with a note,
        after an answer that may have come after Redmine saved it, first checks the newest
        journal, so the note is not added twice (a status or priority in the same update
        was saved with it)."""
        number = self._number(tracker_id)
        note = fields.get("notes")
        maybe_saved = False

        def attempt() -> None:
            nonlocal maybe_saved
            if maybe_saved and note and self._attempt(lambda: self._last_note_is(number, note)):
                return
            try:
                self._attempt(lambda: self._redmine.issue.update(number, **fields))
            except _MaybeSent:
                maybe_saved = True
                raise

        with_retries(attempt, self.policy, self._where(f"{what} issue #{number}"))
        return number

    def comment(self, tracker_id: str, text: str) -> None:
        """A note on the issue."""
        self._update(tracker_id, "comment on", notes=text)

    def close(self, tracker_id: str, text: str) -> None:
        """A note and the closed status, in one update; then checked, because Redmine
        silently keeps the old status when the workflow does not allow the change."""
        status_id, status_name = self._closed_status()
        self._update(tracker_id, "close", notes=text, status_id=status_id)
        issue = self._issue(tracker_id)
        if not self._is_closed(issue.get("status") or {}):
            raise TrackerError(
                self._where(
                    f"Redmine kept issue #{issue['id']} in status "
                    f"'{(issue.get('status') or {}).get('name')}' instead of '{status_name}': "
                    "let the key's role make that transition (Administration > Workflow) or "
                    "set closed_status"
                )
            )

    def set_priority(self, tracker_id: str, priority: str) -> None:
        """Set the issue's priority; checked like :meth:`close` (a role without the right
        to edit the field is ignored silently)."""
        priority_id = self._priority_id(priority)
        self._update(tracker_id, "set the priority of", priority_id=priority_id)
        issue = self._issue(tracker_id)
        if (issue.get("priority") or {}).get("id") != priority_id:
            raise TrackerError(
                self._where(
                    f"Redmine kept issue #{issue['id']} at priority "
                    f"'{(issue.get('priority') or {}).get('name')}' instead of "
                    f"'{self.priorities[priority]}': let the key's role edit the priority"
                )
            )
