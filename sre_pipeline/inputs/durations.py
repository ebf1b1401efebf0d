"""Prometheus-style durations: parse ``5m``/``1h30m``/``28d``, format them back.

Units are strict and case-sensitive, as in Prometheus and OpenSLO: ``m`` is minutes and ``M``
is months. Months, quarters and years have no fixed length, so they only appear in calendar
periods (see :mod:`sre_pipeline.slo.periods`), never in a fixed :class:`datetime.timedelta`.
"""

from __future__ import annotations

import re
from datetime import timedelta

FIXED_UNITS: dict[str, int] = {
    "ms": 0,  # handled separately: sub-second durations are never meaningful for SLO windows
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 7 * 86400,
    "y": 365 * 86400,  # Prometheus defines y as 365 days: a rolling 1y period is 365 days
}
CALENDAR_UNITS = {"M": 1, "Q": 3, "Y": 12}  # in months

_PART = re.compile(r"(\d+)(ms|[smhdwyMQY])")


class DurationError(ValueError):
    """A duration string that is not of the ``<number><unit>`` form."""

    def parts(self, expected: str) -> tuple[str, str]:
        """``(message, expected)`` for a problem report: what is wrong, without the error's
        own generic "; expected ...", and the caller's ``expected``, which knows the field."""
        return str(self).partition("; expected ")[0], expected


def parse_duration(text: str) -> timedelta:
    """Parse a fixed-length Prometheus duration such as ``5m``, ``1h30m`` or ``28d``.

    Raises :class:`DurationError` naming what is expected; calendar units (``M``, ``Q``, ``Y``)
    are refused here because they have no fixed length.
    """
    if not isinstance(text, str):
        raise DurationError(f"expected a duration string such as '5m' or '28d', got {text!r}")
    s = text.strip()
    pos = 0
    seconds = 0
    if not s:
        raise DurationError("expected a duration such as '5m' or '28d', got an empty string")
    for match in _PART.finditer(s):
        if match.start() != pos:
            break
        number, unit = int(match.group(1)), match.group(2)
        if unit in CALENDAR_UNITS:
            raise DurationError(
                f"'{text}' uses the calendar unit '{unit}' (months have no fixed length); "
                "expected s, m (minutes), h, d or w"
            )
        seconds += number // 1000 if unit == "ms" else number * FIXED_UNITS[unit]
        pos = match.end()
    if pos != len(s):
        raise DurationError(
            f"'{text}' is not a duration; expected <number><unit> with unit s, m (minutes), "
            "h, d or w, e.g. '5m', '1h30m', '28d'"
        )
    return timedelta(seconds=seconds)


def split_calendar(text: str) -> tuple[int, str] | None:
    """Return ``(count, unit)`` for a single calendar-unit duration (``1M``, ``1Q``, ``1Y``)."""
    m = re.fullmatch(r"\s*(\d+)([MQY])\s*", text or "")
    if not m:
        return None
    return int(m.group(1)), m.group(2)


def format_duration(value: timedelta | float | int) -> str:
    """Format seconds or a timedelta the way Prometheus writes it: ``5m``, ``1h``, ``1d``, ``3d``.

    Uses the largest units that divide exactly (``90m`` becomes ``1h30m``), never weeks or
    years, so ``28d`` stays ``28d`` as people write it.
    """
    total = int(value.total_seconds() if isinstance(value, timedelta) else value)
    if total == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if total >= size:
            count, total = divmod(total, size)
            parts.append(f"{count}{unit}")
    return "".join(parts)
