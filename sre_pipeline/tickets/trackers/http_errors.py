"""How the GitHub, GitLab and Jira back ends call their client library: every call under the one
retry policy (:func:`~sre_pipeline.tickets.trackers.base.with_retries`), the library's own
exceptions turned into :class:`Retryable` (429, 5xx, a lost connection) or the clear
:func:`refused` error, and creation guarded against duplicates.

All three libraries sit on ``requests``, so network failures are mapped here once: a refused or
dropped connection is retried; a read timeout is not (a write may have landed), it fails with
the timeout named. A 5xx or a lost connection on *create* may still have created the ticket,
so the next attempt first looks for the fingerprint among the open tickets
(:meth:`Calls.create`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import requests

from sre_pipeline.tickets.trackers.base import (
    Retryable,
    RetryPolicy,
    TrackerError,
    refused,
    retry_after,
    with_retries,
)

T = TypeVar("T")


def describe(value) -> str:
    """An error body's details as one line: ``{"title": ["is too long"]}`` -> ``title: is too
    long``; lists joined with ``; ``."""
    if isinstance(value, dict):
        return "; ".join(f"{key}: {describe(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(describe(item) for item in value)
    return "" if value is None else str(value)


def failure(
    tracker: str,
    project: str,
    status: int,
    headers=None,
    detail: str = "",
    *,
    fields_rejected: bool = False,
) -> Exception:
    """The exception for an HTTP error answer: :class:`Retryable` for 429 and 5xx (waiting
    ``Retry-After`` when the answer names it), else :func:`refused`. ``fields_rejected`` marks a
    400 that names rejected fields (GitLab's and Jira's validation answer): it reads as a 422."""
    if status == 429 or status >= 500:
        reason = "rate limited" if status == 429 else "server error"
        tail = f": {detail.strip()[:200]}" if detail and detail.strip() else ""
        return Retryable(f"HTTP {status} {reason}{tail}", retry_after(headers), status)
    if fields_rejected and status == 400:
        # base.refused words only 422 as "rejected the ticket's fields"; keep the true status
        rejected = refused(tracker, project, 422, detail)
        return TrackerError(str(rejected).replace("HTTP 422", "HTTP 400", 1), 400)
    return refused(tracker, project, status, detail)


@dataclass
class Calls:
    """One back end's calls: ``translate`` maps the library's exceptions (None: not one of
    them); network errors are mapped here; ``policy`` retries."""

    tracker: str
    project: str
    policy: RetryPolicy
    timeout_s: float
    translate: Callable[[Exception], Exception | None]

    def _what(self, what: str) -> str:
        return f"{self.tracker} project '{self.project}': {what}"

    def _attempt(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except (Retryable, TrackerError):
            raise
        except requests.exceptions.ConnectionError as exc:
            raise Retryable(f"no connection ({type(exc).__name__})") from exc
        except requests.exceptions.Timeout as exc:
            raise TrackerError(
                f"{self.tracker} project '{self.project}': no answer within {self.timeout_s:g} s "
                "(not retried: a change may have been made; raise timeout_s if it is slow)"
            ) from exc
        except Exception as exc:
            mapped = self.translate(exc)
            if mapped is None:
                raise
            raise mapped from exc

    def run(self, what: str, call: Callable[[], T]) -> T:
        """``call()`` under the retry policy, failures mapped; ``what`` names it in errors."""
        return with_retries(lambda: self._attempt(call), self.policy, self._what(what))

    def create(self, what: str, create: Callable[[], T], find: Callable[[], T | None]) -> T:
        """``create()`` under the retry policy; after an answer that may have created the
        ticket anyway (a 5xx, a lost connection), the next attempt first asks ``find()``."""
        uncertain = False

        def once() -> T:
            nonlocal uncertain
            if uncertain:
                found = self._attempt(find)
                if found is not None:
                    return found
            try:
                return self._attempt(create)
            except Retryable as exc:
                uncertain = uncertain or exc.status is None or exc.status >= 500
                raise

        return with_retries(once, self.policy, self._what(what))
