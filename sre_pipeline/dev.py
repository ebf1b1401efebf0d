"""Bootstrap for a source checkout, runnable with a bare ``python3`` (standard library only).

    python3 -m sre_pipeline.dev demo    # create .venv if needed, install, run the demo
    python3 -m sre_pipeline.dev test    # create .venv if needed, install with test extras, pytest

The virtualenv is reinstalled only when ``pyproject.toml`` changes (a hash stamp in .venv), so
repeated runs start in a second. Extra arguments are passed on (to ``sre-pipeline demo`` or to
pytest). Test services (Prometheus, PostgreSQL, ...) are installed and started by the test
setup itself, not here, so that a plain ``pytest`` behaves the same.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("SRE_PIPELINE_VENV", ROOT / ".venv"))
BIN = VENV / "bin"


def _log(message: str) -> None:
    print(f"[sre-pipeline dev] {message}", file=sys.stderr, flush=True)


def _ensure_venv(extras: str) -> None:
    """Create the virtualenv and install the project with ``extras`` if anything changed."""
    stamp = VENV / f".installed-{extras or 'base'}"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == want and (BIN / "python").exists():
        return
    if not (BIN / "python").exists():
        _log(f"creating virtualenv {VENV}")
        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except (subprocess.CalledProcessError, OSError) as exc:
            sys.exit(
                f"cannot create a virtualenv ({exc}); on Debian install it with "
                "'apt-get install python3-venv'"
            )
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    _log(f"installing {target} (first run takes a minute or two)")
    subprocess.run(pip + ["-e", target], check=True)
    stamp.write_text(want)


def main(argv: list[str] | None = None) -> int:
    """``demo`` or ``test``, with any further arguments passed through."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    os.chdir(ROOT)
    if command == "demo":
        _ensure_venv("")
        return subprocess.call([str(BIN / "sre-pipeline"), "demo", *rest])
    _ensure_venv("test")
    code = subprocess.call([str(BIN / "python"), "-m", "pytest", *rest])
    if code == 5:  # pytest: no tests collected -- a broken suite, not a pass
        _log("pytest collected no tests")
    return code


if __name__ == "__main__":
    sys.exit(main())
