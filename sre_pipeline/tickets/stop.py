"""The emergency stop (docs/tickets.md "Safety"): while it is on, nothing leaves the pipeline,
no ticket and no e-mail, and every run that would have sent something says so.

It is on when the environment variable ``SRE_PIPELINE_EMERGENCY_STOP`` is set to anything but
``0``/``false``/``no``/empty, or while the file ``emergency_stop_file`` names exists
(``touch`` it to stop every deployment that shares the file; remove it to resume).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_STOP = "SRE_PIPELINE_EMERGENCY_STOP"


def emergency_stop(stop_file: str | None) -> str | None:
    """Why outbound actions are halted right now, or None when they may go out."""
    value = os.environ.get(ENV_STOP, "").strip()
    if value and value.lower() not in ("0", "false", "no"):
        return f"emergency stop: environment variable {ENV_STOP}={value}"
    if stop_file and Path(stop_file).exists():
        return f"emergency stop: file {stop_file} exists (remove it to resume)"
    return None
