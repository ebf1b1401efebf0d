"""Unit tests of the HTTP client and query planning with a fake transport (no network)."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest

from sre_pipeline.sources.collector import MAX_POINTS, is_per_second, query_chunks
from sre_pipeline.sources.prometheus_http import (
    PrometheusClient,
    PrometheusConfig,
    PrometheusError,
    parse_headers,
)

OK = {"status": "success", "data": {"resultType": "matrix", "result": []}}


def client_with(responses, **config):
    """A client whose transport answers from ``responses`` in order and records requests."""
    seen, sleeps = [], []
    answers = iter(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    cfg = PrometheusConfig(url="http://127.0.0.1:9", **config)
    return (
        PrometheusClient(cfg, sleep=sleeps.append, transport=httpx.MockTransport(handler)),
        seen,
        sleeps,
    )


def test_success_sends_form_with_partial_response_off_and_auth_headers():
    client, seen, _ = client_with(
        [httpx.Response(200, json=OK)], bearer_token="s3cret", headers={"X-Scope-OrgID": "team-a"}
    )
    assert client.query_range("up", 0, 600, 300, stats=True).series == []
    form = dict(x.split("=", 1) for x in seen[0].content.decode().split("&"))
    assert form["partial_response"] == "false" and form["stats"] == "all" and form["step"] == "300"
    assert seen[0].headers["Authorization"] == "Bearer s3cret"
    assert seen[0].headers["X-Scope-OrgID"] == "team-a"
    assert seen[0].url.path == "/api/v1/query_range"


def test_basic_auth():
    client, seen, _ = client_with([httpx.Response(200, json=OK)], basic_auth=("u", "p"))
    client.query("up", 0)
    assert seen[0].headers["Authorization"].startswith("Basic ")


def test_retries_5xx_and_429_honouring_retry_after_then_succeeds():
    client, seen, sleeps = client_with(
        [
            httpx.Response(503, text="down"),
            httpx.Response(429, headers={"Retry-After": "7"}, text="slow down"),
            httpx.ConnectError("refused"),
            httpx.Response(200, json=OK),
        ],
        retries=4,
    )
    assert client.query_range("up", 0, 600, 300).series == []
    assert len(seen) == 4
    assert sleeps[1] == 7.0  # Retry-After wins over backoff
    assert 0 <= sleeps[0] <= 0.5 * 2 and 0 <= sleeps[2] <= 0.5 * 8  # full jitter, exponential


def test_gives_up_after_the_last_attempt_with_the_last_error():
    client, seen, _ = client_with([httpx.Response(502, text="bad gateway")] * 3, retries=3)
    with pytest.raises(PrometheusError, match="HTTP 502: bad gateway"):
        client.query_range("up", 0, 600, 300)
    assert len(seen) == 3


def test_bad_request_is_not_retried_and_surfaces_the_server_message():
    body = {"status": "error", "errorType": "bad_data", "error": '1:5: parse error: unexpected "("'}
    client, seen, _ = client_with([httpx.Response(400, json=body)])
    with pytest.raises(PrometheusError, match="HTTP 400: bad_data: 1:5: parse error") as info:
        client.query_range("sum(", 0, 600, 300)
    assert info.value.status == 400 and len(seen) == 1


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(200, text="<html>"), "not a Prometheus API response"),
        (httpx.Response(200, json={"status": "success", "data": {}}), "no data.result"),
        (
            httpx.Response(
                422, json={"status": "error", "errorType": "execution", "error": "boom"}
            ),
            "HTTP 422: execution: boom",
        ),
    ],
)
def test_garbage_and_execution_errors(response, message):
    client, _, _ = client_with([response])
    with pytest.raises(PrometheusError, match=message):
        client.query_range("up", 0, 600, 300)


def test_timeout_is_retried_then_reported():
    client, seen, _ = client_with([httpx.ReadTimeout("slow")] * 2, retries=2, timeout_s=3)
    with pytest.raises(PrometheusError, match="timed out after 3s"):
        client.query_range("up", 0, 600, 300)
    assert len(seen) == 2


def test_config_from_environment(monkeypatch):
    monkeypatch.setenv("PROMETHEUS_URL", "http://127.0.0.1:9090/")
    monkeypatch.setenv("PROMETHEUS_BASIC_AUTH", "alice:pw:with:colons")
    monkeypatch.setenv("PROMETHEUS_HEADERS", "X-Scope-OrgID=t1, X-Extra = y")
    cfg = PrometheusConfig.from_env(
        headers={"X-Scope-OrgID": "t2"}, timeout_s=5.0, bearer_token=None
    )
    assert cfg.url == "http://127.0.0.1:9090" and cfg.basic_auth == ("alice", "pw:with:colons")
    assert cfg.headers == {"X-Scope-OrgID": "t2", "X-Extra": "y"} and cfg.timeout_s == 5.0


def test_config_errors(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_URL", raising=False)
    with pytest.raises(ValueError, match="no Prometheus URL"):
        PrometheusConfig.from_env()
    with pytest.raises(ValueError, match="USER:PASSWORD"):
        PrometheusConfig.from_env("http://127.0.0.1:1", basic_auth="nopassword")
    with pytest.raises(ValueError, match="NAME=VALUE"):
        parse_headers("broken")


def test_query_chunks_never_exceed_the_point_limit():
    chunks = query_chunks(300, 300 * 25_000, 300)
    assert all((hi - lo) // 300 + 1 <= MAX_POINTS for lo, hi in chunks)
    assert chunks[0][0] == 300 and chunks[-1][1] == 300 * 25_000
    assert all(b[0] - a[1] == 300 for a, b in zip(chunks, chunks[1:], strict=False))
    assert query_chunks(0, 0, 300) == [(0, 0)]


@pytest.mark.parametrize(
    ("query", "per_second"),
    [
        ("sum(rate(x[5m]))", True),
        ("sum(irate(x[5m]))", True),
        ("sum(increase(x[5m]))", False),
        ("sum(increase(x[5m])) / sum(rate(y[5m]))", False),
        ("sum(sum_over_time(probe_success[5m]))", False),
        ("slo:sli_error:ratio_rate5m", False),
    ],
)
def test_rate_or_count(query, per_second):
    assert is_per_second(query) is per_second


def test_error_body_is_json_text():
    busy = httpx.Response(503, content=json.dumps({"error": "tsdb busy"}))
    client, _, _ = client_with([busy], retries=1)
    with pytest.raises(PrometheusError, match="HTTP 503: tsdb busy"):
        client.query_range("up", 0, 600, 300)


def matrix_body(values, stats=None, series=1):
    data = {
        "resultType": "matrix",
        "result": [{"metric": {"i": str(i)}, "values": values} for i in range(series)],
    }
    if stats is not None:
        data["stats"] = {"timings": {"evalTotalTime": stats}}
    return json.dumps({"status": "success", "data": data}).encode()


def test_decode_matrix_fast_path_with_nan_and_stats():
    from sre_pipeline.sources.matrix import decode_matrix

    m = decode_matrix(matrix_body([[600, "1.5"], [900.0, "NaN"]], stats=0.25, series=2))
    assert m.eval_seconds == 0.25 and len(m.series) == 2 and m.series[1].metric == {"i": "1"}
    assert m.series[0].times.tolist() == [600, 900] and m.series[0].values[0] == 1.5
    assert np.isnan(m.series[0].values[1])


def test_decode_matrix_infinities_take_the_generic_path():
    from sre_pipeline.sources.matrix import decode_matrix

    m = decode_matrix(matrix_body([[600, "+Inf"], [900, "-Inf"], [1200, "0.1"]]))
    assert m.series[0].values.tolist() == [np.inf, -np.inf, 0.1]


def test_decode_matrix_rejects_other_shapes():
    from sre_pipeline.sources.matrix import decode_matrix

    assert decode_matrix(b"<html>") is None
    vector = {"status": "success", "data": {"resultType": "vector", "result": []}}
    assert decode_matrix(json.dumps(vector).encode()) is None


@pytest.mark.parametrize(
    ("url", "compression", "encoding"),
    [
        ("http://127.0.0.1:9", None, "identity"),
        ("http://localhost:9", None, "identity"),
        ("https://thanos.example.com", None, None),
        ("http://127.0.0.1:9", True, None),
    ],
)
def test_compression_is_off_for_loopback_by_default(url, compression, encoding):
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json=OK)

    cfg = PrometheusConfig(url=url, compression=compression)
    PrometheusClient(cfg, transport=httpx.MockTransport(handler)).query_range("up", 0, 600, 300)
    assert (seen[0].headers.get("Accept-Encoding") == "identity") == (encoding == "identity")


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        ("7", 7.0),
        ("-5", 0.0),  # negative: retry at once
        ("99999999999999999999", 30.0),  # huge: capped at backoff_cap_s
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),  # a date in the past
        ("soon", "backoff"),
        ("nan", "backoff"),
        ("inf", "backoff"),
        ("1e400", "backoff"),  # overflows to infinity
        ("Mon, 99 Foo 2020 99:99:99 GMT", "backoff"),
        ("Mon, 01 Jan 99999999999 00:00:00 GMT", "backoff"),  # no such year
        ("", "backoff"),
    ],
)
def test_garbage_retry_after_falls_back_to_the_backoff(monkeypatch, retry_after, expected):
    monkeypatch.setattr("random.uniform", lambda low, high: high)  # the backoff, made visible
    busy = httpx.Response(503, headers={"Retry-After": retry_after}, text="busy")
    client, seen, sleeps = client_with([busy, httpx.Response(200, json=OK)], retries=2)
    assert client.query_range("up", 0, 600, 300).series == []
    assert len(seen) == 2
    assert sleeps == [0.5 * 2 if expected == "backoff" else expected]


def test_retry_after_as_a_future_http_date():
    import email.utils
    import time

    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    busy = httpx.Response(429, headers={"Retry-After": when}, text="slow down")
    client, _, sleeps = client_with([busy, httpx.Response(200, json=OK)], retries=2)
    client.query_range("up", 0, 600, 300)
    assert 15 < sleeps[0] <= 21
