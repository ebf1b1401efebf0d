"""Finding or installing the binaries integration tests need."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

_apt_updated = False


def in_ci() -> bool:
    """True when running under CI (``CI=true``), where missing services must fail."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(message: str):
    """Fail under CI, skip elsewhere: a developer without root can still run the unit tests."""
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _apt_install(packages: tuple[str, ...], timeout: float = 900) -> None:
    """``apt-get install`` ``packages`` (``apt-get update`` once per session first); a failure
    is :func:`unavailable`."""
    global _apt_updated
    names = " ".join(packages)
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        unavailable(f"{names} not installed and apt-get is not usable (need root on Debian)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        if not _apt_updated:
            subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True)
            _apt_updated = True
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
            check=True,
            env=env,
            capture_output=True,
            timeout=timeout,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        # a failing maintainer script reports on stdout; apt-get's own summary is on stderr
        output = (getattr(exc, "stdout", b"") or b"") + (getattr(exc, "stderr", b"") or b"")
        unavailable(f"apt-get install {names} failed: {output.decode(errors='replace')[-1500:]}")


def require_binary(name: str, package: str, extra_paths: tuple[str, ...] = ()) -> str:
    """Path of ``name``; installs the Debian ``package`` with apt-get when it is missing."""
    found = shutil.which(name) or next((p for p in extra_paths if Path(p).exists()), None)
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        unavailable(f"{name} is not installed and apt-get is not usable (need root on Debian)")
    _apt_install((package,))
    found = shutil.which(name) or next((p for p in extra_paths if Path(p).exists()), None)
    if not found:
        unavailable(f"{package} installed but {name} not found")
    return found


def require_packages(*packages: str) -> None:
    """Install those of the Debian ``packages`` that are not installed, in one apt-get call:
    for services that are several packages (an application, its database driver, a server)
    rather than one binary."""
    missing = [p for p in packages if not _installed(p)]
    if missing:
        _apt_install(tuple(missing))
        still = [p for p in missing if not _installed(p)]
        if still:
            unavailable(f"apt-get install finished but {' '.join(still)} is not installed")


def _installed(package: str) -> bool:
    if not shutil.which("dpkg-query"):
        return False
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${db:Status-Status}", package],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode == 0 and done.stdout.strip() == "installed"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout: float, what: str, process: subprocess.Popen | None = None) -> None:
    """Poll ``check()`` until it is true; fail with ``what`` (and the process's exit) if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: process exited with {process.returncode}")
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - any failure of a readiness probe means "not yet"
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what}: not ready after {timeout:.0f}s")


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM the process (by PID), SIGKILL if it does not exit in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
