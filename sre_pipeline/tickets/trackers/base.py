"""What every tracker back end offers the ticket lifecycle (:mod:`sre_pipeline.tickets.sync`),
and the errors and retry policy they share.

A back end manages only the tickets the pipeline opened: each carries the label ``sre-pipeline``
(where the tracker has labels) and, as the last line of its description, the marker
``sre-pipeline fingerprint: <fingerprint>`` (:func:`marker`), which :func:`fingerprint_of`
reads back. :meth:`Tracker.open_tickets` lists the open ones, so a lost warehouse never
duplicates a ticket: the tracker itself says what is already open.

Retries are one policy for all back ends (:func:`with_retries`), not each client library's
own (they are switched off in each back end), so 429 ``Retry-After``, GitHub's secondary rate
limits and 5xx behave, and are tested, the same everywhere.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol, TypeVar

MANAGED_LABEL = "sre-pipeline"
_MARKER = re.compile(r"^sre-pipeline fingerprint: (\S+)\s*$", re.MULTILINE)
PRIORITIES = ("low", "normal", "high", "urgent")


def marker(fingerprint: str) -> str:
    """The description's last line naming the ticket's fingerprint."""
    return f"sre-pipeline fingerprint: {fingerprint}"


def fingerprint_of(description: str | None) -> str | None:
    """The fingerprint a description's marker names, or None for a ticket not ours."""
    found = _MARKER.findall(description or "")
    return found[-1] if found else None


def with_marker(body: str, fingerprint: str) -> str:
    """``body`` followed by the marker (on its own line, after a blank line)."""
    return f"{body.rstrip()}\n\n{marker(fingerprint)}\n"


@dataclass(frozen=True)
class NewTicket:
    """What a back end is asked to open: the description already ends with the marker."""

    fingerprint: str
    title: str
    description: str
    priority: str  # one of PRIORITIES
    labels: tuple[str, ...] = ()
    assignee: str | None = None  # a login / user name as the tracker knows it
    due_date: date | None = None


@dataclass(frozen=True)
class Ticket:
    """A ticket as the tracker reports it."""

    tracker_id: str  # the tracker's own id: "123" (Redmine, GitHub, GitLab iid), "OPS-7" (Jira)
    title: str
    state: str  # "open" or "closed"
    url: str | None = None
    fingerprint: str | None = None
    status: str | None = None  # the tracker's own status name ("In Progress", "Closed")
    assignee: str | None = None
    due_date: date | None = None
    closed_at: datetime | None = None
    priority: str | None = None


class TrackerError(Exception):
    """A tracker refused or failed a request; the message names the tracker, the project and
    what to fix. ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class Retryable(Exception):
    """A response worth retrying (429, 5xx, a secondary rate limit), after ``wait`` seconds
    (from ``Retry-After`` or the rate-limit reset) or, when None, an exponential back-off."""

    def __init__(self, message: str, wait: float | None = None, status: int | None = None):
        super().__init__(message)
        self.wait = wait
        self.status = status


def refused(tracker: str, project: str, status: int, detail: str = "") -> TrackerError:
    """The clear error of a 401/403/404/422 (and any other 4xx) answer."""
    fix = {
        401: "the API key or token is missing, wrong or expired: check the variable the "
        "configuration names",
        403: "the key or token is valid but may not do this: give it write access to the project",
        404: "the project does not exist or the key cannot see it: check the project setting",
        422: "the tracker rejected the ticket's fields: check the configured priority, issue "
        "type, labels and assignee names",
    }.get(status, "the request was refused")
    tail = f" ({detail.strip()[:300]})" if detail and detail.strip() else ""
    return TrackerError(f"{tracker} project '{project}': HTTP {status}: {fix}{tail}", status)


T = TypeVar("T")


@dataclass
class RetryPolicy:
    """How often and how long to wait: at most ``attempts`` tries, each wait capped at
    ``max_wait_s`` (a longer ``Retry-After`` fails now rather than blocking the run)."""

    attempts: int = 5
    base_s: float = 1.0
    max_wait_s: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)


def with_retries(call: Callable[[], T], policy: RetryPolicy, what: str) -> T:
    """``call()``, retried on :class:`Retryable` as ``policy`` allows; the last failure
    becomes a :class:`TrackerError` naming ``what``."""
    for attempt in range(1, policy.attempts + 1):
        try:
            return call()
        except Retryable as exc:
            wait = exc.wait if exc.wait is not None else policy.base_s * 2 ** (attempt - 1)
            if attempt == policy.attempts or wait > policy.max_wait_s:
                raise TrackerError(
                    f"{what}: {exc} (gave up after {attempt} attempt"
                    f"{'s' if attempt > 1 else ''}"
                    + (f"; the tracker asked to wait {wait:.0f} s" if exc.wait else "")
                    + ")",
                    exc.status,
                ) from None
            policy.sleep(max(wait, 0.0))
    raise AssertionError("unreachable")


def retry_after(headers, now: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or an HTTP date) or, for GitHub, from
    ``x-ratelimit-reset`` when ``x-ratelimit-remaining`` is 0; None when neither says."""
    from email.utils import parsedate_to_datetime

    get = (lambda k: headers.get(k) or headers.get(k.lower())) if headers else (lambda k: None)
    value = get("Retry-After")
    now = time.time() if now is None else now
    if value:
        try:
            return max(float(value), 0.0)
        except ValueError:
            try:
                return max(parsedate_to_datetime(value).timestamp() - now, 0.0)
            except (TypeError, ValueError):
                return None
    if get("X-RateLimit-Remaining") == "0" and get("X-RateLimit-Reset"):
        try:
            return max(float(get("X-RateLimit-Reset")) - now, 0.0)
        except ValueError:
            return None
    return None


class Tracker(Protocol):
    """One configured tracker and project. ``name`` is the configuration's key for it
    ("ops-redmine"); ``label`` names it in messages ("Redmine http://127.0.0.1:3000")."""

    name: str
    label: str
    project: str

    def open_tickets(self) -> list[Ticket]:
        """Every open ticket the pipeline manages in the project (label and/or marker),
        with its fingerprint; all pages."""

    def get(self, tracker_id: str) -> Ticket:
        """One ticket, open or closed (for reading action items back)."""

    def create(self, ticket: NewTicket) -> Ticket:
        """Open a ticket; returns it with its new id and URL."""

    def comment(self, tracker_id: str, text: str) -> None:
        """Add a comment (a Redmine note, a GitHub/GitLab note, a Jira comment)."""

    def close(self, tracker_id: str, text: str) -> None:
        """Comment ``text`` and close the ticket (Redmine: the closed status; Jira: the
        transition to Done)."""

    def set_priority(self, tracker_id: str, priority: str) -> None:
        """Raise or lower the priority (a priority field, or the priority label)."""
