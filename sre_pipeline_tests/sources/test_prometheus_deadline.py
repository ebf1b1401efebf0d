"""The overall deadline of each request attempt, against real slow-loris servers on 127.0.0.1.

Elapsed times are only generous safety bounds proving that nothing hangs, never tight timings.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import time

import httpcore
import pytest

from sre_pipeline.sources.deadline import Deadline
from sre_pipeline.sources.prometheus_http import (
    PrometheusClient,
    PrometheusConfig,
    PrometheusError,
    environment_proxy,
)
from sre_pipeline_tests.services.drip_server import DripServer

pytestmark = pytest.mark.slow  # servers that drip for seconds

BOUND_S = 10.0  # far above the 1-2 s expected; only there so that a regression fails, not hangs


def timed_query(url: str, **config) -> tuple[PrometheusError, float]:
    """The error a one-second-deadline range query ends with, and how long it took."""
    cfg = PrometheusConfig(url, **{"timeout_s": 1, "retries": 1, "backoff_s": 0.01, **config})
    started = time.monotonic()
    with PrometheusClient(cfg) as client, pytest.raises(PrometheusError) as info:
        client.query_range("up", 0, 600, 300)
    return info.value, time.monotonic() - started


@pytest.mark.parametrize("mode", ["body", "headers"])
def test_a_dripping_server_times_out_within_the_deadline(mode):
    with DripServer(mode) as server:
        error, elapsed = timed_query(server.url)
    assert str(error) == "timed out after 1s" and error.retryable
    assert elapsed < BOUND_S
    assert server.requests == 1


@pytest.mark.parametrize("mode", ["body", "headers"])
def test_each_retry_gets_its_own_deadline(mode):
    with DripServer(mode) as server:
        error, elapsed = timed_query(server.url, retries=2)
    assert str(error) == "timed out after 1s"
    assert server.requests == 2
    assert elapsed < 2 * BOUND_S


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (cert file, key file), made with openssl."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    work = tmp_path_factory.mktemp("tls")
    cert, key = work / "cert.pem", work / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def server_context(certificate) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def test_the_deadline_holds_over_tls_verified_with_the_ca_bundle(certificate):
    with DripServer("body", tls=server_context(certificate)) as server:
        error, elapsed = timed_query(server.url, ca_bundle=str(certificate[0]))
    # a timeout, not a certificate error: the bundle was used, then the body dripped
    assert str(error) == "timed out after 1s" and elapsed < BOUND_S
    assert server.requests == 1


def test_tls_without_the_ca_bundle_is_refused(certificate):
    with DripServer("body", tls=server_context(certificate)) as server:
        error, _ = timed_query(server.url)
    assert "connection failed" in str(error) and "CERTIFICATE_VERIFY_FAILED" in str(error)


def test_deadline_shortens_timeouts_and_expires():
    deadline = Deadline()
    assert deadline.limit(5.0, httpcore.ReadTimeout) == 5.0  # no deadline: unchanged
    with deadline.within(60):
        assert 59 < deadline.limit(None, httpcore.ReadTimeout) <= 60
        assert deadline.limit(1.0, httpcore.ReadTimeout) == 1.0
        with deadline.within(3600):  # an inner block never extends the outer deadline
            assert deadline.limit(None, httpcore.ReadTimeout) <= 60
    with deadline.within(0), pytest.raises(httpcore.WriteTimeout):
        deadline.limit(1.0, httpcore.WriteTimeout)
    assert deadline.limit(None, httpcore.ReadTimeout) is None


def test_environment_proxies_are_still_honoured(monkeypatch):
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    assert environment_proxy("https://thanos.example.com") is None
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example.com:3128")
    assert environment_proxy("https://thanos.example.com") == "http://proxy.example.com:3128"
    assert environment_proxy("http://thanos.example.com") is None
    monkeypatch.setenv("NO_PROXY", ".example.com")
    assert environment_proxy("https://thanos.example.com") is None
