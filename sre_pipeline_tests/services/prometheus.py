"""A real Prometheus 2.x on 127.0.0.1 serving back-filled history (promtool), for tests."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx

from sre_pipeline_tests.services.system import free_port, require_binary, stop, wait_for


@dataclass
class PrometheusServer:
    """A running server: its URL, process and data directory."""

    url: str
    process: subprocess.Popen
    data_dir: Path
    log: Path

    def stop(self) -> None:
        """Stop the server by PID."""
        stop(self.process)


def promtool() -> str:
    """Path of promtool (Debian package ``prometheus``), installed when missing."""
    return require_binary("promtool", "prometheus")


def assert_promtool_tests_pass(folder: Path, test: str = "test.yaml") -> None:
    """``promtool test rules`` on ``folder/test``; its report is the failure message."""
    done = subprocess.run(
        [promtool(), "test", "rules", test],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]


def backfill(openmetrics: Path, data_dir: Path) -> None:
    """Write TSDB blocks from an OpenMetrics file (``# EOF``-terminated, seconds)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            promtool(),
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--max-block-duration=720h",
            str(openmetrics),
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"promtool backfill failed: {done.stderr[-2000:]}")


def start_prometheus(data_dir: Path, work_dir: Path, retention: str = "3650d") -> PrometheusServer:
    """Start ``prometheus`` on a free 127.0.0.1 port over ``data_dir`` and wait for /-/ready.

    The retention is far longer than any back-filled history: Prometheus otherwise deletes
    old blocks silently at start-up.
    """
    binary = require_binary("prometheus", "prometheus")
    port = free_port()
    config = work_dir / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1m\nscrape_configs: []\n")
    log = work_dir / "prometheus.log"
    with log.open("wb") as out:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={data_dir}",
                f"--storage.tsdb.retention.time={retention}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(
            lambda: httpx.get(f"{url}/-/ready", timeout=2).status_code == 200,
            60,
            "prometheus /-/ready",
            process,
        )
    except BaseException as exc:
        stop(process)
        raise RuntimeError(f"{exc}\n{log.read_text()[-2000:]}") from None
    return PrometheusServer(url, process, data_dir, log)
