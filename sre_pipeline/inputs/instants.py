"""Strict parsing of days and instants written by people: in YAML fields and in flags.

One rule everywhere: ISO 8601 only (no "now", no Unix seconds, no ``20260101``), a real
calendar day and clock time (``2026-02-30`` and ``25:00`` are typos, not something to roll
over), and a year in :data:`YEARS`, outside which a time is a typo and beyond what pandas and
the warehouse store. Errors are :class:`TimeError` with what is wrong and what is expected, so
a YAML validator and an argparse type can both report them their own way.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pandas as pd

YEARS = (1970, 2200)
DAY_EXPECTED = "a real day as YYYY-MM-DD, e.g. 2026-11-02"
INSTANT_EXPECTED = "an ISO 8601 time such as 2026-11-02T10:00Z"

_DAY = re.compile(r"(\d{4,})-\d{2}-\d{2}")
_INSTANT = re.compile(
    r"(\d{4,})-\d{2}-\d{2}"  # the day
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?"  # an optional clock time
    r"(?:Z|[+-]\d{2}(?::?\d{2})?)?",  # an optional offset
    re.IGNORECASE,
)


class TimeError(ValueError):
    """A day or instant that cannot be used: ``message``, and what is ``expected`` instead."""

    def __init__(self, message: str, expected: str):
        super().__init__(f"{message}; expected {expected}")
        self.message, self.expected = message, expected


def _check_year(text: str, year: str, expected: str) -> None:
    if not YEARS[0] <= int(year) <= YEARS[1]:
        raise TimeError(
            f"'{text}' is outside the supported range",
            f"{expected} with a year in {YEARS[0]}..{YEARS[1]}",
        )


def parse_day(text: str) -> date:
    """``YYYY-MM-DD`` naming a real day, or a :class:`TimeError`."""
    text = str(text).strip()
    match = _DAY.fullmatch(text)
    if not match:
        raise TimeError(f"'{text}' is not a date", DAY_EXPECTED)
    _check_year(text, match.group(1), DAY_EXPECTED)
    try:
        return date.fromisoformat(text)
    except ValueError as exc:  # the message says which part: "day is out of range for month"
        raise TimeError(f"'{text}' is not a real day ({exc})", DAY_EXPECTED) from None


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 day, optionally with a clock time and offset, naming a real time (naive when
    it has no offset), or a :class:`TimeError`."""
    text = str(text).strip()
    match = _INSTANT.fullmatch(text)
    if not match:
        raise TimeError(f"'{text}' is not an ISO 8601 time", INSTANT_EXPECTED)
    _check_year(text, match.group(1), INSTANT_EXPECTED)
    try:
        return datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError as exc:
        raise TimeError(f"'{text}' is not a real time ({exc})", INSTANT_EXPECTED) from None


def parse_instant(text: str) -> pd.Timestamp:
    """:func:`parse_datetime` as a UTC timestamp (UTC when it has no offset)."""
    ts = pd.Timestamp(parse_datetime(text))
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


WEEK_EXPECTED = "an ISO week such as 2026-W48, or any day of it as YYYY-MM-DD"
_WEEK = re.compile(r"(\d{4})-?W(\d{2})", re.IGNORECASE)


def parse_week(text: str) -> date:
    """The Monday of an ISO week written ``2026-W48`` (or ``2026W48``), or of the week of a day
    ``YYYY-MM-DD``; a :class:`TimeError` otherwise (``2026-W54`` is not a week)."""
    text = str(text).strip()
    match = _WEEK.fullmatch(text)
    if match is None:
        if not _DAY.fullmatch(text):
            raise TimeError(f"'{text}' is not a week", WEEK_EXPECTED)
        day = parse_day(text)  # a day's own error: "'2026-13-01' is not a real day"
        return day - timedelta(days=day.weekday())
    _check_year(text, match.group(1), WEEK_EXPECTED)
    try:
        return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise TimeError(f"'{text}' is not a week of {match.group(1)}", WEEK_EXPECTED) from None


def week_label(monday: date) -> str:
    """``2026-W48``: the ISO week of a day."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"
