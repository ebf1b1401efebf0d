"""A real TCP server on 127.0.0.1 that answers every request one byte at a time, forever: the
slow-loris answer that per-read timeouts never catch. Used to test the overall deadline."""

from __future__ import annotations

import contextlib
import itertools
import socket
import socketserver
import ssl
import threading

STATUS = b"HTTP/1.1 200 OK\r\n"
HEADERS = b"Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n"
MAX_DRIP_S = 120.0  # a client that never gives up still frees the handler eventually


class DripServer:
    """``mode="body"``: the status line and headers at once, then the body one byte every
    ``interval_s``; ``mode="headers"``: the status line, then an endless header one byte at a
    time. ``requests`` counts the requests read (one per client attempt). With ``tls`` (a
    server-side context) it speaks HTTPS."""

    def __init__(
        self, mode: str = "body", interval_s: float = 0.25, tls: ssl.SSLContext | None = None
    ):
        if mode not in ("body", "headers"):
            raise ValueError(f"mode must be 'body' or 'headers', not {mode!r}")
        self.mode, self.interval_s = mode, interval_s
        self.requests = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                try:
                    with contextlib.ExitStack() as stack:
                        sock = self.request
                        if tls is not None:
                            sock = stack.enter_context(tls.wrap_socket(sock, server_side=True))
                        if _read_request(sock):
                            with server._lock:
                                server.requests += 1
                            server._answer(sock)
                except OSError:
                    pass  # the client gave up (that is the point) or refused the certificate

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        scheme = "http" if tls is None else "https"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _answer(self, sock: socket.socket) -> None:
        if self.mode == "body":
            sock.sendall(STATUS + HEADERS)
            byte = b" "  # JSON whitespace: the answer never ends, never turns invalid
        else:
            sock.sendall(STATUS + b"X-Drip: ")
            byte = b"a"  # the header line never ends
        for n in itertools.count():
            if n * self.interval_s > MAX_DRIP_S or self._stopping.wait(self.interval_s):
                return
            sock.sendall(byte)

    def __enter__(self) -> DripServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()


def _read_request(sock: socket.socket) -> bool:
    """Read one request's head and body (by Content-Length); False when the client left."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return False
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return False
        body += chunk
    return True
