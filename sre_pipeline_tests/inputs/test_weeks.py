"""ISO weeks as people write them on the command line."""

from __future__ import annotations

from datetime import date

import pytest


@pytest.mark.parametrize(
    "text, monday",
    [
        ("2026-W48", date(2026, 11, 23)),
        ("2026w48", date(2026, 11, 23)),
        ("2026-W53", date(2026, 12, 28)),  # 2026 has 53 ISO weeks
        ("2027-W01", date(2027, 1, 4)),
        ("2026-11-26", date(2026, 11, 23)),  # any day of the week
        (" 2026-11-23 ", date(2026, 11, 23)),
    ],
)
def test_parse_week(text, monday):
    from sre_pipeline.inputs.instants import parse_week, week_label

    assert parse_week(text) == monday
    assert parse_week(week_label(monday)) == monday


@pytest.mark.parametrize(
    "text, message",
    [
        ("2025-W53", "'2025-W53' is not a week of 2025"),
        ("2026-W00", "'2026-W00' is not a week of 2026"),
        ("W48", "'W48' is not a week"),
        ("2026-02-30", "'2026-02-30' is not a real day"),
        ("1900-W01", "outside the supported range"),
    ],
)
def test_parse_week_refuses(text, message):
    from sre_pipeline.inputs.instants import TimeError, parse_week

    with pytest.raises(TimeError, match=message):
        parse_week(text)
