"""The circuit breaker: a server that does not answer stops being asked (unit, no network)."""

from __future__ import annotations

import re
import threading

import httpx
import pandas as pd
import pytest

from sre_pipeline.slo.model import SLO
from sre_pipeline.sources.breaker import Breaker, BreakerOpen
from sre_pipeline.sources.collector import SLICollector, grouped_errors
from sre_pipeline.sources.prometheus_http import PrometheusClient, PrometheusConfig
from sre_pipeline_tests.slo.factories import make_slo

OK = {"status": "success", "data": {"resultType": "matrix", "result": []}}


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_the_threshold_in_a_row_and_names_the_last_error():
    breaker = Breaker("http://prom", threshold=3, cooldown_s=10, clock=Clock())
    for i in range(2):
        breaker.before()
        breaker.failure(f"refused {i}")
    breaker.success()  # an answer in between resets the count
    for i in range(3):
        breaker.before()
        breaker.failure(f"refused {i}")
    assert breaker.is_open
    with pytest.raises(
        BreakerOpen,
        match=r"http://prom looks down \(3 attempts in a row failed; "
        r"last: refused 2\)",
    ):
        breaker.before()


def test_half_open_lets_one_probe_through_after_the_cooldown():
    clock = Clock()
    breaker = Breaker("p", threshold=1, cooldown_s=10, clock=clock)
    breaker.failure("refused")
    with pytest.raises(BreakerOpen):
        breaker.before()
    clock.now = 10
    breaker.before()  # the probe
    with pytest.raises(BreakerOpen):
        breaker.before()  # the others still fail fast while it is in flight
    breaker.failure("refused again")  # the probe failed: open for another cool-down
    clock.now = 15
    with pytest.raises(BreakerOpen, match="refused again"):
        breaker.before()
    clock.now = 20
    breaker.before()
    breaker.success()  # the probe worked: closed
    assert not breaker.is_open
    breaker.before()
    breaker.before()


def test_threshold_zero_never_opens():
    breaker = Breaker("p", threshold=0, cooldown_s=0)
    for _ in range(100):
        breaker.failure("refused")
        breaker.before()
    assert not breaker.is_open


def counting_client(answer, **config):
    """A client whose every request gets ``answer`` (an exception or a response)."""
    calls, lock = [], threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            calls.append(request)
        if isinstance(answer, Exception):
            raise answer
        return answer

    cfg = PrometheusConfig(url="http://127.0.0.1:9", **config)
    client = PrometheusClient(cfg, sleep=lambda s: None, transport=httpx.MockTransport(handler))
    return client, calls


def slos(n: int) -> list[SLO]:
    return [make_slo(f"svc{i:03d}-availability") for i in range(n)]


@pytest.mark.parametrize(
    "answer",
    [httpx.ConnectError("[Errno 111] Connection refused"), httpx.Response(502, text="no upstream")],
)
def test_a_dead_server_costs_a_few_attempts_not_every_querys_retries(answer):
    client, calls = counting_client(answer, concurrency=4, retries=4, breaker_failures=8)
    result = SLICollector(client, concurrency=4).collect(
        slos(500), pd.Timestamp("2026-11-01", tz="UTC"), pd.Timestamp("2026-11-02", tz="UTC")
    )
    # without the breaker: 1,000 queries x 4 attempts; with it, the threshold plus the attempts
    # already in flight on the other threads when it opened
    assert 8 <= len(calls) <= 8 + 4
    assert len(result.failures) == 500 and result.failed_slos == {s.id for s in slos(500)}
    assert result.events.empty
    late = [f for f in result.failures if "stopped asking" in f.error]
    # (attempts in flight when it opened may still fail and count: 8 or a few more)
    seen = re.search(r"looks down \((\d+) attempts in a row failed; last: ", late[-1].error)
    assert len(late) >= 490 and seen and 8 <= int(seen[1]) <= 8 + 4


def test_query_errors_prove_the_server_is_up_and_never_open_it():
    body = {"status": "error", "errorType": "bad_data", "error": "parse error"}
    client, calls = counting_client(httpx.Response(400, json=body), breaker_failures=2)
    result = SLICollector(client, concurrency=2).collect(
        slos(20), pd.Timestamp("2026-11-01", tz="UTC"), pd.Timestamp("2026-11-02", tz="UTC")
    )
    # 4 batches of 10 queries refused, then each query alone: every error in its own words
    assert len(calls) == 4 + 40 and not client.breaker.is_open
    assert all("parse error" in f.error for f in result.failures)


def test_errors_are_grouped_one_line_per_distinct_error_naming_what_they_hit():
    errors = [(f"s{i}", "down") for i in range(7)] + [("odd", "parse error"), ("s7", "down")]
    assert grouped_errors(errors, names_shown=3) == [
        "8 x down: s0, s1, s2 and 5 more",
        "odd: parse error",
    ]
    assert grouped_errors([("a", "x"), ("b", "x")]) == ["2 x x: a, b"]
