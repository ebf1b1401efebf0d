"""Multiwindow, multi-burn-rate alert window sets (Google SRE workbook, Pyrra, custom).

A pair fires when the burn rate over both its long and its short window exceeds its factor.
The Google set is defined by the share of the period's budget each pair may spend before it
fires (2 %, 5 %, 10 %, 10 %), so its factors scale with the period:
``factor = share * period / long window`` (30 d: 14.4 / 6 / 3 / 1; 28 d: 13.44 / 5.6 / 2.8 /
0.933). Pyrra keeps its factors (14 / 7 / 2 / 1) and scales the windows with ``period / 28 d``
instead, rounded to the minute as Pyrra does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction

from sre_pipeline.inputs.durations import format_duration

PAGE, TICKET = "page", "ticket"
SEVERITIES = (PAGE, TICKET)


@dataclass(frozen=True)
class WindowPair:
    """One alert condition: both windows burn faster than ``factor``."""

    long: timedelta
    short: timedelta
    factor: float
    severity: str

    def describe(self) -> str:
        """``page 14.4x over 1h+5m``."""
        return (
            f"{self.severity} {self.factor:g}x over "
            f"{format_duration(self.long)}+{format_duration(self.short)}"
        )


_H = timedelta(hours=1)
# (budget share, long, short, severity) -- Google SRE workbook, chapter 5, table 5-8.
GOOGLE_SHARES: tuple[tuple[Fraction, timedelta, timedelta, str], ...] = (
    (Fraction(2, 100), _H, timedelta(minutes=5), PAGE),
    (Fraction(5, 100), 6 * _H, timedelta(minutes=30), PAGE),
    (Fraction(10, 100), 24 * _H, 2 * _H, TICKET),
    (Fraction(10, 100), 72 * _H, 6 * _H, TICKET),
)
# (factor, long, short, severity) for a 28-day period -- Pyrra's slo/rules.go Windows().
PYRRA_28D: tuple[tuple[float, timedelta, timedelta, str], ...] = (
    (14.0, _H, timedelta(minutes=5), PAGE),
    (7.0, 6 * _H, timedelta(minutes=30), PAGE),
    (2.0, 24 * _H, 2 * _H, TICKET),
    (1.0, 96 * _H, 6 * _H, TICKET),
)
PRESETS = ("google", "pyrra")


def _seconds(td: timedelta) -> Fraction:
    return Fraction(int(td.total_seconds()))


def google_windows(period: timedelta) -> tuple[WindowPair, ...]:
    """The Google workbook window set with factors scaled to ``period``."""
    p = _seconds(period)
    return tuple(
        WindowPair(long, short, float(share * p / _seconds(long)), sev)
        for share, long, short, sev in GOOGLE_SHARES
    )


def pyrra_windows(period: timedelta) -> tuple[WindowPair, ...]:
    """Pyrra's window set: fixed factors, windows scaled by ``period / 28d`` to the minute."""
    scale = _seconds(period) / (28 * 86400)

    def scaled(td: timedelta) -> timedelta:
        # Go's Duration.Round rounds halves away from zero; Python's round() would not
        minutes = math.floor(_seconds(td) * scale / 60 + Fraction(1, 2))
        return timedelta(minutes=max(1, minutes))

    return tuple(
        WindowPair(scaled(long), scaled(short), f, sev) for f, long, short, sev in PYRRA_28D
    )


def preset_windows(name: str, period: timedelta) -> tuple[WindowPair, ...]:
    """Window set by preset name (``google`` or ``pyrra``) for a period."""
    if name == "google":
        return google_windows(period)
    if name == "pyrra":
        return pyrra_windows(period)
    raise ValueError(f"unknown window set {name!r}; expected one of {', '.join(PRESETS)}")


def factor_for_share(share: float, period: timedelta, long: timedelta) -> float:
    """Burn-rate factor that spends ``share`` of the period's budget over ``long``."""
    return share * period.total_seconds() / long.total_seconds()
