"""An overall deadline for each HTTP request attempt, enforced where the bytes move.

httpx's ``timeout`` applies per phase and per socket read: a server that sends its headers and
then one byte every quarter second never trips a one-second read timeout, so ``collect`` could
hang forever. httpcore does every connect, TLS handshake, read and write through a *network
backend*, handing each call its own timeout. :class:`DeadlineBackend` wraps the standard
backend and shortens each of those timeouts to the time left before the calling thread's
:class:`Deadline`; once none is left it raises httpcore's own ``ConnectTimeout``,
``ReadTimeout`` or ``WriteTimeout``, which httpx turns into its usual ``TimeoutException``.

Why there rather than streaming the response and watching the clock between chunks: that bounds
neither the connect nor a server that drips the status line and headers, and each phase would
need its own bookkeeping; at the backend one rule covers all of them, TLS included (CPython's
``ssl`` treats a socket timeout as the limit for a whole handshake or record). A read returns
as soon as any byte arrives, so a drip costs at most the time left, never more. Not covered:
DNS resolution (``getaddrinfo`` takes no timeout) and waiting for a free pooled connection,
which httpx bounds separately with the pool timeout.

The deadline is per thread: the collector's workers share one client and its connection pool,
and a pooled connection opened by one thread honours the deadline of whichever thread uses it.

httpx 0.28's ``HTTPTransport`` takes no network backend, so :class:`DeadlineTransport` lets it
build its pool as usual (TLS context, limits, proxy) and then wraps the backend that pool opens
its connections with. That touches two private names (``_pool``, ``_network_backend``); both
versions are pinned, and a missing name fails at construction, never silently.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable, Iterator

import httpcore
import httpx

WRITE_PIECE = 16 * 1024  # a peer that accepts a few bytes at a time gets re-checked this often


class Deadline:
    """The calling thread's deadline; ``with deadline.within(seconds):`` sets it for a block."""

    def __init__(self) -> None:
        self._local = threading.local()

    @contextlib.contextmanager
    def within(self, seconds: float) -> Iterator[None]:
        """Every network call of this thread inside the block ends ``seconds`` from now (or at
        an enclosing, earlier deadline)."""
        previous = getattr(self._local, "at", None)
        at = time.monotonic() + seconds
        self._local.at = at if previous is None else min(at, previous)
        try:
            yield
        finally:
            self._local.at = previous

    def limit(self, timeout: float | None, expired: type[Exception]) -> float | None:
        """``timeout`` shortened to the time left; ``expired`` is raised when none is left."""
        at = getattr(self._local, "at", None)
        if at is None:
            return timeout
        left = at - time.monotonic()
        if left <= 0:
            raise expired("deadline passed")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS upgrade ends by the deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._inner, self._deadline = inner, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.limit(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        for offset in range(0, len(buffer), WRITE_PIECE):
            piece_timeout = self._deadline.limit(timeout, httpcore.WriteTimeout)
            self._inner.write(buffer[offset : offset + WRITE_PIECE], piece_timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> httpcore.NetworkStream:
        timeout = self._deadline.limit(timeout, httpcore.ConnectTimeout)
        inner = self._inner.start_tls(ssl_context, server_hostname, timeout)
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str):
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """``inner`` (httpcore's sync backend) with every connection bound by ``deadline``."""

    def __init__(self, inner: httpcore.NetworkBackend, deadline: Deadline) -> None:
        self._inner, self._deadline = inner, deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.limit(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable | None = None
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.limit(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_unix_socket(path, timeout, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's own transport (same arguments, same error mapping) whose connections honour
    ``deadline``."""

    def __init__(self, deadline: Deadline, **kwargs) -> None:
        super().__init__(**kwargs)
        inner = getattr(self._pool, "_network_backend", None)
        if not isinstance(inner, httpcore.NetworkBackend):
            raise RuntimeError(
                f"httpx {httpx.__version__} / httpcore {httpcore.__version__}: the connection "
                "pool has no network backend to wrap; use the versions pinned in pyproject.toml"
            )
        self._pool._network_backend = DeadlineBackend(inner, deadline)
