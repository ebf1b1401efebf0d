"""A fault-injecting HTTP proxy on 127.0.0.1 in front of a real server: slow answers, bursts
of 503, or garbage, then (optionally) recovery. Used to test the collector's retries and
timeouts against a real Prometheus behind it."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx

from sre_pipeline.sources.collector import BATCH_LABEL

_PART = re.compile(r'label_replace\((.*?), "' + BATCH_LABEL + r'", "(\d+)", "", ""\)(?: or |$)')


def _matching_parts(query: str, needle: str | None):
    """For ``empty_matching``: True when the whole answer is to be empty, the positions of
    the matching parts of a collector's batch (:func:`~sre_pipeline.sources.collector.
    batched_query`), or None."""
    if not needle or needle not in query:
        return None
    parts = _PART.findall(query)
    if not parts:
        return True
    return {i for q, i in parts if needle in q}


class FaultyProxy:
    """Forwards requests to ``upstream``; the first ``fail_first`` get ``fail_status``, every
    request waits ``delay_s`` first, and ``garbage`` answers 200 with non-JSON. A partial
    outage: queries containing ``fail_matching`` always get ``fail_status``, and those
    containing ``empty_matching`` a successful answer without any series (in a batch of the
    collector's, those parts only)."""

    def __init__(
        self,
        upstream: str,
        *,
        delay_s=0.0,
        fail_first=0,
        fail_status=503,
        retry_after: str | None = None,
        garbage=False,
        fail_matching: str | None = None,
        empty_matching: str | None = None,
    ):
        self.upstream, self.delay_s, self.fail_first = upstream, delay_s, fail_first
        self.fail_status, self.retry_after, self.garbage = fail_status, retry_after, garbage
        self.fail_matching, self.empty_matching = fail_matching, empty_matching
        self.requests = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with proxy._lock:
                    proxy.requests += 1
                    n = proxy.requests
                time.sleep(proxy.delay_s)
                query = parse_qs(body.decode()).get("query", [""])[0]
                emptied = _matching_parts(query, proxy.empty_matching)
                if emptied is True:
                    empty = b'{"status":"success","data":{"resultType":"matrix","result":[]}}'
                    self._send(200, empty, "application/json")
                    return
                if n <= proxy.fail_first or (proxy.fail_matching and proxy.fail_matching in query):
                    self.send_response(proxy.fail_status)
                    if proxy.retry_after is not None:
                        self.send_header("Retry-After", proxy.retry_after)
                    self.end_headers()
                    self.wfile.write(b"overloaded")
                    return
                if proxy.garbage:
                    self._send(200, b"<html>not prometheus</html>", "text/html")
                    return
                answer = httpx.post(
                    proxy.upstream + self.path,
                    content=body,
                    headers={"Content-Type": self.headers.get("Content-Type", "")},
                    timeout=30,
                )
                content = answer.content
                if emptied and answer.status_code == 200:  # a batch: only those parts empty
                    data = json.loads(content)
                    data["data"]["result"] = [
                        r
                        for r in data["data"]["result"]
                        if r["metric"].get(BATCH_LABEL) not in emptied
                    ]
                    content = json.dumps(data).encode()
                self._send(answer.status_code, content, "application/json")

            def _send(self, status, content, ctype):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FaultyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
