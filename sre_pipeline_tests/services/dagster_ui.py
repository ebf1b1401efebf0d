"""A disposable ``dagster dev`` (webserver + daemon) for UI tests, and a headless screenshot.

``dagster dev`` ignores SIGTERM when it is a background job of a shell, so it runs in a new
session and is stopped by signalling its whole process group (webserver, daemon, code server).
"""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

from sre_pipeline_tests.services.system import free_port

READY_TIMEOUT_S = 120  # the first start compiles and loads the code location
STOP_TIMEOUT_S = 15


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


@dataclass
class DagsterDev:
    """A running ``dagster dev``: its base URL, process (a session leader) and log file."""

    url: str
    process: subprocess.Popen
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server's combined stdout/stderr."""
        return _tail(self.log, lines)

    def graphql(self, query: str, variables: dict | None = None, timeout: float = 60) -> dict:
        """POST a query to ``/graphql``; returns ``data`` and raises on any GraphQL error."""
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=body,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                answer = json.load(response)
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:2000]
            raise RuntimeError(
                f"GraphQL HTTP {exc.code}: {detail}\n--- dagster dev log ---\n{self.log_tail()}"
            ) from None
        if answer.get("errors"):
            raise RuntimeError(
                f"GraphQL errors: {json.dumps(answer['errors'], indent=1)[:3000]}\n"
                f"--- dagster dev log ---\n{self.log_tail()}"
            )
        return answer["data"]

    def stop(self) -> None:
        """SIGTERM the process group; SIGKILL it if it has not exited within 15 s."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(STOP_TIMEOUT_S)


def _server_info(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
        return response.status == 200 and "dagster_webserver_version" in json.load(response)


def start_dagster_dev(
    workdir: Path,
    env: dict[str, str],
    log: Path | None = None,
    timeout: float = READY_TIMEOUT_S,
    workspace: Path | None = None,
) -> DagsterDev:
    """Start ``dagster dev -w workspace.yaml`` (or ``workspace``) in ``workdir`` on a free
    127.0.0.1 port.

    ``env`` is the child's whole environment. Returns once ``GET /server_info`` answers; on
    failure the server is stopped and the error carries the tail of its log.
    """
    workdir = Path(workdir)
    port = free_port()
    log = Path(log) if log else Path(env.get("DAGSTER_HOME", workdir)) / "dagster-dev.log"
    dagster = Path(sys.executable).with_name("dagster")
    workspace_file = str(workspace or "workspace.yaml")
    command = [str(dagster), "dev", "-w", workspace_file, "-h", "127.0.0.1", "-p", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = DagsterDev(url=f"http://127.0.0.1:{port}", process=process, log=log)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"dagster dev exited with {process.returncode} before it was ready\n"
                f"--- dagster dev log ---\n{server.log_tail()}"
            )
        try:
            if _server_info(server.url):
                return server
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(
                f"dagster dev did not answer /server_info within {timeout:.0f}s\n"
                f"--- dagster dev log ---\n{server.log_tail()}"
            )
        time.sleep(0.5)


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def screenshot(
    chromium: str,
    url: str,
    out: Path,
    profile: Path,
    size: tuple[int, int] = (1600, 1000),
    budget_ms: int = 15000,
    timeout: float = 120,
) -> Path:
    """Headless Chromium screenshot of ``url`` into ``out`` (PNG), with a fresh profile."""
    command = [
        chromium,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        f"--window-size={size[0]},{size[1]}",
        f"--virtual-time-budget={budget_ms}",
        f"--screenshot={out}",
        url,
    ]
    result = subprocess.run(
        command, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
    )
    if result.returncode != 0 or not out.exists():
        raise RuntimeError(
            f"chromium exited with {result.returncode}, no screenshot at {out}:\n"
            f"{result.stderr.decode(errors='replace')[-2000:]}"
        )
    return out


@dataclass(frozen=True)
class Image:
    """Decoded 8-bit pixels: ``channels`` bytes per pixel, rows top to bottom."""

    width: int
    height: int
    channels: int
    rows: list[bytes]

    def pixel(self, x: int, y: int) -> tuple[int, ...]:
        """The pixel at column ``x``, row ``y``."""
        i = x * self.channels
        return tuple(self.rows[y][i : i + self.channels])


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def read_png(path: Path) -> Image:
    """Decode a non-interlaced 8-bit RGB, RGBA, grey or grey+alpha PNG (no Pillow needed)."""
    data = Path(path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        chunk = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat.append(chunk)
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError(f"{path}: no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"{path}: unsupported PNG (depth {depth}, colour type {colour})")
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            line = bytearray((v + u) & 0xFF for v, u in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                up_left = previous[i - channels] if i >= channels else 0
                line[i] = (line[i] + _paeth(left, previous[i], up_left)) & 0xFF
        elif kind != 0:
            raise ValueError(f"{path}: bad filter type {kind} in row {y}")
        rows.append(bytes(line))
        previous = line
    return Image(width, height, channels, rows)


def colour_stats(image: Image, step: int = 2) -> tuple[int, float]:
    """(distinct colours, share of pixels unlike the most common one), sampling every
    ``step``-th pixel in both directions."""
    counts: dict[bytes, int] = {}
    c = image.channels
    for y in range(0, image.height, step):
        row = image.rows[y]
        for x in range(0, image.width, step):
            key = row[x * c : x * c + min(c, 3)]
            counts[key] = counts.get(key, 0) + 1
    total = sum(counts.values())
    return len(counts), 1 - max(counts.values()) / total
