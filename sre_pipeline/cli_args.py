"""argparse ``type=`` validators for the ``sre-pipeline`` flags.

A bad value is refused while the command line is parsed, before a command reads or writes
anything, as ``sre-pipeline <command>: error: argument --flag: <what is wrong>; expected ...``
(exit code 2): argparse names the flag, so a message never blames another one.
"""

from __future__ import annotations

import argparse
from datetime import timedelta

import pandas as pd
from pydantic_core import PydanticCustomError

from sre_pipeline.inputs.durations import DurationError, parse_duration
from sre_pipeline.inputs.instants import TimeError, parse_day, parse_instant, parse_week
from sre_pipeline.inputs.validation import check_time_zone

MAX_DAYS = 3660  # ten years: more is a typo, and far beyond what a review looks at


def duration_arg(text: str) -> timedelta:
    """A duration such as ``30d`` or ``5m``."""
    try:
        return parse_duration(text)
    except DurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def bucket_arg(text: str) -> timedelta:
    """A bucket width: a positive whole number of seconds (``5m``, ``1h``)."""
    width = duration_arg(text)
    if width <= timedelta(0) or width % timedelta(seconds=1):
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a positive whole number of seconds; expected a width such as 5m"
        )
    return width


def zone_arg(text: str) -> str:
    """An IANA time zone name."""
    try:
        return check_time_zone(text)
    except PydanticCustomError as exc:
        raise argparse.ArgumentTypeError(
            f"{exc.message()}; expected {exc.context['expected']}"
        ) from None


def instant_arg(text: str) -> pd.Timestamp:
    """An ISO 8601 instant in the supported years, as a UTC timestamp (UTC without offset)."""
    try:
        return parse_instant(text)
    except TimeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def day_arg(text: str) -> str:
    """A real day ``YYYY-MM-DD`` in the supported years, returned as that ISO text (commands
    parse it with ``date.fromisoformat``, as they did before it was checked here)."""
    try:
        return parse_day(text).isoformat()
    except TimeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def week_arg(text: str) -> str:
    """An ISO week ``2026-W48`` or any day of it, returned as its Monday's ISO text."""
    try:
        return parse_week(text).isoformat()
    except TimeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def days_arg(text: str) -> int:
    """A whole number of days from 1 to :data:`MAX_DAYS`."""
    try:
        days = int(text)
    except ValueError:
        days = None
    if days is None or not 1 <= days <= MAX_DAYS:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a number of days; expected a whole number from 1 to {MAX_DAYS}"
        )
    return days
