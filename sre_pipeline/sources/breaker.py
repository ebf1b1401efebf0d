"""A circuit breaker for one server: stop asking once it is plainly down.

A collection sends one range query per SLO role and chunk (a thousand for 500 SLOs), each with
its own retries and backoff. When the server is down, every one of them would fail only after
its last attempt, so a daily run against a stopped Prometheus took minutes before it said so,
and longer against a host that swallows packets (each attempt waits its whole timeout).

The breaker counts attempts that failed *because the server did not answer* (connection
refused or reset, a timeout, a gateway's 502/503/504) across all of the client's threads. After
``threshold`` of them in a row, with no success in between, it opens: every later attempt fails
at once, naming the server, how many attempts failed and the last error, and is not retried.
An answer of any other kind (a 200, a 400 about a query, a 429 asking to slow down) shows the
server is up and closes the count. After ``cooldown_s`` an open breaker lets one attempt
through (half-open); its success closes the breaker, its failure opens it again. Within a
run that means a server that comes back is used again, and one that stays down costs one probe
per cool-down rather than every query's retries.

What is not sent is reported as failed like any other failure, so the SLOs concerned keep what
is stored and the run fails naming them; nothing is skipped silently.
"""

from __future__ import annotations

import threading
import time


class BreakerOpen(Exception):
    """Raised instead of sending while the breaker is open."""


class Breaker:
    """Thread-safe consecutive-failure breaker; ``threshold`` 0 turns it off."""

    def __init__(self, name: str, threshold: int, cooldown_s: float, clock=time.monotonic):
        self.name = name
        self.threshold = max(0, int(threshold))
        self.cooldown_s = max(0.0, float(cooldown_s))
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0  # consecutive, since the last success
        self._last = ""
        self._opened_at: float | None = None
        self._probing = False

    @property
    def is_open(self) -> bool:
        """True while attempts fail fast (a probe in flight included)."""
        with self._lock:
            return self._opened_at is not None

    def before(self) -> None:
        """Called before each attempt: raises :class:`BreakerOpen` unless it may be sent."""
        if not self.threshold:
            return
        with self._lock:
            if self._opened_at is None:
                return
            if not self._probing and self._clock() - self._opened_at >= self.cooldown_s:
                self._probing = True  # this attempt is the probe; the others still fail fast
                return
            raise BreakerOpen(
                f"stopped asking: {self.name} looks down ({self._failures} attempts in a row "
                f"failed; last: {self._last})"
            )

    def success(self) -> None:
        """The server answered: close the breaker and reset the count."""
        with self._lock:
            self._failures, self._opened_at, self._probing = 0, None, False

    def failure(self, error: str) -> None:
        """An attempt failed because the server did not answer."""
        if not self.threshold:
            return
        with self._lock:
            self._failures += 1
            self._last = error
            if self._probing or self._failures >= self.threshold:
                self._opened_at, self._probing = self._clock(), False
