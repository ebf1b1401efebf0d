"""OpenSLO v1 ``timeWindow``: a rolling window of whole days, or a calendar week, month,
quarter or year in a time zone.

Units are strict as in OpenSLO: ``m`` is minutes and ``M`` months. An SLO period shorter than a
day is always a mistake, most often ``1m`` written for ``1M``, so the message says so.
"""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import Field, ValidationInfo, field_validator, model_validator

from sre_pipeline.inputs.durations import format_duration, parse_duration, split_calendar
from sre_pipeline.inputs.validation import InputModel, check_datetime, check_time_zone, invalid
from sre_pipeline.slo.periods import Period
from sre_pipeline.slo.spec.openslo_schema import check_shorthand, duration_input

DAY = timedelta(days=1)
CALENDAR_UNITS = {"M": "month", "Q": "quarter", "Y": "year"}
CALENDAR_EXPECTED = "1w, 1M, 1Q or 1Y"


def _short_period(text: str, length: timedelta) -> str:
    minutes = re.fullmatch(r"\s*(\d+)m\s*", text)
    if not minutes:
        return f"timeWindow duration '{text}' is {format_duration(length)}, shorter than one day"
    n = int(minutes.group(1))
    months = "one month" if n == 1 else f"{n} months"
    return (
        f"timeWindow duration '{text}' is {n} minute{'' if n == 1 else 's'}, shorter than one day "
        f"(did you mean '{n}M', {months}? 'm' is minutes, 'M' is months)"
    )


def check_period(text: str, rolling: bool | None) -> None:
    """Raise an input error unless ``text`` is a usable SLO period (``rolling`` None: unknown)."""
    cal = split_calendar(text)
    if cal:
        count, unit = cal
        if rolling:
            raise invalid(
                f"rolling timeWindow duration '{text}' is in {CALENDAR_UNITS[unit]}s, which have "
                "no fixed length",
                "days or weeks for a rolling window (e.g. 28d, 4w), or a calendar window",
            )
        if rolling is False and count != 1:
            message = f"calendar timeWindow duration '{text}' spans {count} {CALENDAR_UNITS[unit]}s"
            raise invalid(message, CALENDAR_EXPECTED)
        return
    length = duration_input(text, "period")
    if length < DAY:
        expected = "a period of at least one day, e.g. 28d, 4w or 1M"
        raise invalid(_short_period(text, length), expected)
    if rolling and length % DAY:
        raise invalid(f"rolling timeWindow duration '{text}' is not whole days", "e.g. 7d, 28d, 4w")
    if rolling is False and length != 7 * DAY:
        message = f"calendar timeWindow duration '{text}' is not a calendar unit"
        raise invalid(message, CALENDAR_EXPECTED)


class CalendarIn(InputModel):
    """A calendar-aligned window; periods start at the unit's boundary, not at ``startTime``."""

    start_time: str = Field(alias="startTime")
    time_zone: str = Field(alias="timeZone")

    @field_validator("start_time", mode="before")
    @classmethod
    def _start(cls, v: object) -> str:
        return check_datetime(v)

    @field_validator("time_zone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return check_time_zone(v)


class TimeWindowIn(InputModel):
    """``timeWindow`` item: rolling (``isRolling: true``) or calendar-aligned."""

    # declared before duration so that its validator finds them in info.data
    is_rolling: bool | None = Field(None, alias="isRolling")
    calendar: CalendarIn | None = None
    duration: str

    @field_validator("duration")
    @classmethod
    def _period(cls, v: str, info: ValidationInfo) -> str:
        check_shorthand(v)
        rolling = None
        # a field that failed is absent from info.data; then the kind of window is unknown
        if "calendar" in info.data and "is_rolling" in info.data:
            rolling = info.data["is_rolling"]
            if rolling is None and info.data["calendar"] is not None:
                rolling = False  # with neither, _consistent says what is missing
        check_period(v, rolling)
        return v

    @model_validator(mode="after")
    def _consistent(self):
        if self.is_rolling and self.calendar is not None:
            raise invalid("isRolling: true with a calendar", "either isRolling: true or a calendar")
        if not self.is_rolling and self.calendar is None:
            # OpenSLO: a missing isRolling is false, and then the window needs its calendar
            given = "no isRolling" if self.is_rolling is None else "isRolling: false"
            raise invalid(
                f"{given} and no calendar", "isRolling: true, or calendar: {startTime, timeZone}"
            )
        return self

    def to_period(self) -> Period:
        """The model period."""
        if self.calendar is None:
            return Period.rolling(parse_duration(self.duration))
        cal = split_calendar(self.duration)
        unit = CALENDAR_UNITS[cal[1]] if cal else "week"
        return Period.calendar(unit, self.calendar.time_zone)
