"""The review's tuning hints at their thresholds, and the filters that turn figures and people's
text into what a reader sees."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from sre_pipeline.review import charts
from sre_pipeline.review.hints import LOOSE_WEEKS, MISSED_WEEKS, tuning_hints
from sre_pipeline.review.render import crossing, delta, exhaustion, md, minutes, pct

WEEK = date(2026, 11, 16)


def history(slo: str, remaining: list[float]) -> pd.DataFrame:
    weeks = [WEEK - timedelta(weeks=n) for n in range(len(remaining) - 1, -1, -1)]
    return pd.DataFrame({"slo": slo, "week_start": weeks, "budget_remaining": remaining})


def section(slo: str, aspirational: bool = False) -> dict:
    return {"slo": slo, "aspirational": aspirational}


@pytest.mark.parametrize(
    "remaining, kinds",
    [
        ([0.95] * LOOSE_WEEKS, ["too_loose"]),
        ([0.95] * (LOOSE_WEEKS - 1), []),  # one week short of the evidence
        ([0.89] + [0.95] * (LOOSE_WEEKS - 1), []),  # one week under 90 %
        ([0.5] + [-0.1] * MISSED_WEEKS, ["missed"]),
        ([-0.1, 0.01, -0.2][-MISSED_WEEKS:], []),  # met once in the last three weeks
    ],
)
def test_hints_need_the_whole_run_of_weeks(remaining, kinds):
    hints = tuning_hints(history("a", remaining), [section("a")], [], WEEK)
    assert [h["kind"] for h in hints] == kinds
    for h in hints:
        assert h["evidence"] and h["question"].endswith("?")


def test_pages_without_an_incident_and_aspirational_slos():
    pages = [{"slo": "a", "severity": "page"}, {"slo": "a", "severity": "page"}]
    pages += [{"slo": "a", "severity": "ticket"}, {"slo": "b", "severity": "page"}]
    hints = tuning_hints(
        history("a", [0.5]), [section("a"), section("b", aspirational=True)], pages, WEEK
    )
    assert [(h["slo"], h["kind"]) for h in hints] == [("a", "alerts_without_impact")]
    assert hints[0]["evidence"].startswith("2 page alert episode(s)")


def test_filters_never_show_nan():
    nan = float("nan")
    for f in (pct, delta, minutes):
        assert f(None) == f(nan) == "–"
    assert exhaustion(nan) == "not burning" and exhaustion(0.0) == "already spent"
    assert exhaustion(5.0) == "in 5.0 h" and exhaustion(72.0) == "in 3.0 d"
    assert minutes(52) == "52 min" and minutes(186) == "3.1 h" and minutes(4320) == "3.0 d"
    assert (
        crossing(
            {
                "status": "forecast",
                "on": "2026-11-21",
                "earliest": "2026-11-20",
                "latest": "2026-11-23",
            }
        )
        == "2026-11-21 (11-20..11-23)"
    )
    assert crossing({"status": "already above"}) == "already above"


def test_markdown_filter_escapes_markup_and_folds_lines():
    assert md("a|b <b>x</b>\r\n# not a heading") == "a\\|b \\<b\\>x\\</b\\> \\# not a heading"
    assert md("[link](http://x)") == "\\[link\\](http://x)"


def test_sparkline_scales_between_the_worst_week_and_100_percent():
    assert charts.sparkline([1.0, 0.995, None, 0.99], 0.999) == "█▄ ▁"
    assert charts.sparkline([None, None], 0.99) == ""


def test_charts_are_reproducible_pngs():
    burn = charts.BurnDown()
    args = (["2026-11-01", "2026-11-02"], [0.8, None], [("normal", 0.5)])
    first = burn.png(*args)
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and burn.png(*args) == first
    assert charts.BurnDown().png(*args) == first  # a fresh figure draws the same bytes


def test_a_weekly_chart_marks_missed_weeks_and_reuses_its_layout():
    weekly = charts.WeeklyAttainment()
    weeks = ["2026-11-02", "2026-11-09"]
    first = weekly.png(weeks, [0.9995, 0.998], 0.999)
    assert weekly.png(weeks, [0.9995, 0.998], 0.999) == first
    assert weekly.png(weeks, [0.9995, 0.9995], 0.999) != first
    assert charts.WeeklyAttainment().png(weeks, [0.9995, 0.998], 0.999) == first
