"""A small client for the Prometheus HTTP API (and Thanos, Mimir, Cortex, VictoriaMetrics).

httpx rather than prometheus-api-client: the collector needs per-request timeouts, retries that
honour ``Retry-After``, the server's own error text, ``stats=all`` timings, Thanos's
``partial_response`` and arbitrary tenant headers, all of which are plain HTTP concerns;
prometheus-api-client wraps ``requests`` with its own retry policy and result conversion that
would have to be worked around. httpx's client is thread-safe, so one connection pool serves
the collector's worker threads.

``timeout_s`` bounds each attempt as a whole (connect, send, headers, body), not each socket
read as httpx's own timeout does; see :mod:`sre_pipeline.sources.deadline` for how and why.
"""

from __future__ import annotations

import email.utils
import math
import os
import random
import ssl
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC

import httpx

from sre_pipeline.sources.breaker import Breaker, BreakerOpen
from sre_pipeline.sources.deadline import Deadline, DeadlineTransport
from sre_pipeline.sources.matrix import Matrix, decode_matrix

RETRY_STATUS = {429, 500, 502, 503, 504}
DOWN_STATUS = {502, 503, 504}  # a gateway or the server itself saying it cannot answer
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


class PrometheusError(Exception):
    """A query that failed for good: the server's message, or what went wrong on the wire."""

    def __init__(self, message: str, status: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable


@dataclass(frozen=True)
class PrometheusConfig:
    """Where and how to reach the server. Secrets come from flags or the environment."""

    url: str
    bearer_token: str | None = None
    basic_auth: tuple[str, str] | None = None
    ca_bundle: str | None = None
    verify: bool = True
    headers: dict[str, str] = field(default_factory=dict)
    timeout_s: float = 30.0
    retries: int = 4  # attempts per request, the first included
    backoff_s: float = 0.5
    backoff_cap_s: float = 30.0
    concurrency: int = 4
    compression: bool | None = None  # None: off for a loopback URL, on otherwise
    # after this many attempts in a row fail for want of an answer, fail the rest at once
    # (0: never); see sre_pipeline.sources.breaker
    breaker_failures: int = 8
    breaker_cooldown_s: float = 30.0

    @classmethod
    def from_env(cls, url: str | None = None, **overrides) -> PrometheusConfig:
        """Config from ``PROMETHEUS_*`` environment variables, overridden by explicit values."""
        env = os.environ
        url = url or env.get("PROMETHEUS_URL")
        if not url:
            raise ValueError("no Prometheus URL: pass --prometheus-url or set PROMETHEUS_URL")
        basic = overrides.pop("basic_auth", None) or env.get("PROMETHEUS_BASIC_AUTH")
        if isinstance(basic, str):
            user, sep, password = basic.partition(":")
            if not sep:
                raise ValueError("basic auth must be USER:PASSWORD")
            basic = (user, password)
        headers = parse_headers(env.get("PROMETHEUS_HEADERS", ""))
        headers.update(overrides.pop("headers", None) or {})
        values = {
            "bearer_token": env.get("PROMETHEUS_BEARER_TOKEN"),
            "ca_bundle": env.get("PROMETHEUS_CA_BUNDLE"),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(url=url.rstrip("/"), basic_auth=basic, headers=headers, **values)


def parse_headers(text: str | list[str]) -> dict[str, str]:
    """``NAME=VALUE`` items (a list, or one comma-separated string) into a header dict."""
    items = text.split(",") if isinstance(text, str) else text
    out = {}
    for item in (i.strip() for i in items):
        if not item:
            continue
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"header '{item}' is not NAME=VALUE")
        out[name.strip()] = value.strip()
    return out


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asks for (delta-seconds or an HTTP date), never negative; None when
    the header is absent or unusable (garbage, NaN, infinite), so the normal backoff applies.
    The caller caps the wait at ``backoff_cap_s``."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = _seconds_until(value)
    if seconds is None or not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _seconds_until(http_date: str) -> float | None:
    """Seconds from now to an HTTP date, or None when ``http_date`` is not one."""
    try:
        when = email.utils.parsedate_to_datetime(http_date)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # HTTP dates are GMT even when they do not say so
    return when.timestamp() - time.time()


def environment_proxy(url: str) -> str | None:
    """The proxy ``HTTP(S)_PROXY``/``ALL_PROXY`` name for ``url``, unless ``NO_PROXY`` exempts
    its host. httpx does this by itself only when it builds its own transport."""
    target = httpx.URL(url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(target.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(target.host):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def _verify(config: PrometheusConfig) -> ssl.SSLContext | bool:
    """The certificates to trust: the CA bundle (a file, or a directory of hashed
    certificates), else httpx's default store, or none with ``verify=False``."""
    if not config.ca_bundle:
        return config.verify
    if os.path.isdir(config.ca_bundle):
        return ssl.create_default_context(capath=config.ca_bundle)
    return ssl.create_default_context(cafile=config.ca_bundle)


class PrometheusClient:
    """Range queries with timeouts, retries (backoff with full jitter, ``Retry-After``) and
    the server's error text on failure."""

    def __init__(self, config: PrometheusConfig, sleep=time.sleep, transport=None):
        self.config = config
        self._sleep = sleep
        self._deadline = Deadline()
        self.breaker = Breaker(config.url, config.breaker_failures, config.breaker_cooldown_s)
        if transport is None:
            transport = DeadlineTransport(
                self._deadline,
                verify=_verify(config),
                limits=httpx.Limits(max_connections=max(1, config.concurrency)),
                proxy=environment_proxy(config.url),
            )
        headers = dict(config.headers)
        compress = config.compression
        if compress is None:
            compress = httpx.URL(config.url).host not in LOOPBACK
        if not compress:
            # gzip costs the server more CPU than it saves on a same-host or fast link
            headers.setdefault("Accept-Encoding", "identity")
        if config.bearer_token:
            headers["Authorization"] = f"Bearer {config.bearer_token}"
        self._http = httpx.Client(
            base_url=config.url,
            headers=headers,
            auth=config.basic_auth,
            timeout=config.timeout_s,
            transport=transport,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> PrometheusClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def query_range(
        self, query: str, start: float, end: float, step: float, stats: bool = False
    ) -> Matrix:
        """``/api/v1/query_range`` decoded into numpy arrays per series."""
        params = {
            "query": query,
            "start": f"{start:.3f}",
            "end": f"{end:.3f}",
            "step": f"{step:g}",
            "partial_response": "false",  # Thanos: an incomplete answer is an error, not data
        }
        if stats:
            params["stats"] = "all"
        response = self._request("/api/v1/query_range", params)
        matrix = decode_matrix(response.content)
        if matrix is None:
            _raise_for_body(response)
            raise PrometheusError("the answer is not a range (matrix) result", 200)
        return matrix

    def query(self, query: str, at: float) -> dict:
        """``/api/v1/query`` (instant) ``data``."""
        response = self._request("/api/v1/query", {"query": query, "time": f"{at:.3f}"})
        return _raise_for_body(response)

    def _request(self, path: str, params: dict) -> httpx.Response:
        cfg = self.config
        for attempt in range(1, max(1, cfg.retries) + 1):
            try:
                self.breaker.before()
            except BreakerOpen as exc:
                raise PrometheusError(str(exc)) from None
            try:
                return self._once(path, params)
            except PrometheusError as exc:
                if not exc.retryable or attempt >= cfg.retries:
                    raise
                delay = getattr(exc, "retry_after", None)
                if delay is None:
                    delay = random.uniform(0, min(cfg.backoff_cap_s, cfg.backoff_s * 2**attempt))
                self._sleep(min(delay, cfg.backoff_cap_s))
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, path: str, params: dict) -> httpx.Response:
        """One request, all of it within ``timeout_s``; transport errors and retryable statuses
        raise retryable errors. Tells the breaker whether the server answered."""
        try:
            with self._deadline.within(self.config.timeout_s):
                response = self._http.post(path, data=params)
        except httpx.TimeoutException:
            message = f"timed out after {self.config.timeout_s:g}s"
            self.breaker.failure(message)
            raise PrometheusError(message, retryable=True) from None
        except httpx.TransportError as exc:
            message = f"connection failed: {exc}"
            self.breaker.failure(message)
            raise PrometheusError(message, retryable=True) from None
        if response.status_code in DOWN_STATUS:
            self.breaker.failure(f"HTTP {response.status_code}: {_error_text(response)}")
        else:
            self.breaker.success()
        if response.status_code in RETRY_STATUS:
            err = PrometheusError(
                f"HTTP {response.status_code}: {_error_text(response)}",
                response.status_code,
                retryable=True,
            )
            err.retry_after = _retry_after(response)
            raise err
        if response.status_code != 200:
            _raise_for_body(response)
        return response


def _raise_for_body(response: httpx.Response) -> dict:
    """The ``data`` of a successful answer, or the server's error as a PrometheusError."""
    try:
        body = response.json()
    except ValueError:
        raise PrometheusError(
            f"HTTP {response.status_code}: not a Prometheus API response: {response.text[:200]!r}",
            response.status_code,
        ) from None
    if response.status_code != 200 or body.get("status") != "success":
        raise PrometheusError(
            f"HTTP {response.status_code}: {body.get('errorType', 'error')}: "
            f"{body.get('error', response.text[:200])}",
            response.status_code,
        )
    data = body.get("data")
    if not isinstance(data, dict) or "result" not in data:
        raise PrometheusError("response has no data.result", response.status_code)
    return data


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
        return str(body.get("error") or body)[:300]
    except ValueError:
        return response.text[:300] or response.reason_phrase
