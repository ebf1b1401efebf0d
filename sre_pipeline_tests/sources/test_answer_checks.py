"""Answers are checked before they become counts: samples outside the range or off the grid,
negative counts, all-NaN series and SLOs without any series are named per SLO, never stored."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sre_pipeline.sources.collector import SLICollector, answer_problems
from sre_pipeline.sources.matrix import Matrix, SeriesData
from sre_pipeline_tests.slo.factories import make_slo

START = pd.Timestamp("2026-11-01T00:00Z")
END = START + pd.Timedelta(hours=1)
STEP = 300


def series(times, values, **labels) -> SeriesData:
    return SeriesData(labels, np.asarray(times, dtype=np.int64), np.asarray(values, float))


def grid(lo: int, hi: int) -> np.ndarray:
    return np.arange(lo, hi + 1, STEP)


class Client:
    """Answers each query with ``answers[query](lo, hi)`` (a list of series)."""

    def __init__(self, answers):
        self.answers = answers

    def query_range(self, query, lo, hi, step, stats=False):
        return Matrix(self.answers[query.split("[")[0]](lo, hi))


def good(lo, hi):
    return [series(grid(lo, hi), np.full(len(grid(lo, hi)), 99.0))]


def total(lo, hi):
    return [series(grid(lo, hi), np.full(len(grid(lo, hi)), 100.0))]


def collect(answers):
    slo = make_slo("svc-avail")
    client = Client({"g": good, "t": total, **answers})  # one query a request (batch=1)
    return SLICollector(client, batch=1).collect([slo], START, END, STEP)


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (lambda lo, hi: [series(grid(lo, hi) + 60, np.ones(12))], "off the 300s step grid"),
        (lambda lo, hi: [series([lo - STEP, *grid(lo, hi)], np.ones(13))], "outside the range"),
        (lambda lo, hi: [series(grid(lo, hi), np.r_[-5.0, np.ones(11)])], "negative value"),
        (lambda lo, hi: [series(grid(lo, hi), np.full(12, np.nan))], "all NaN"),
    ],
    ids=["off-grid", "outside", "negative", "all-nan"],
)
def test_a_bad_answer_rejects_the_slo_with_its_reason(answer, problem):
    result = collect({"t": answer})
    assert result.failed_slos == {"svc-avail"}
    (failure,) = result.failures
    assert failure.role == "total" and problem in failure.error
    assert "answer rejected" in str(failure)
    assert result.events.empty  # nothing stored as if it were counts


def test_an_slo_without_series_is_named_and_has_no_rows():
    result = collect({"t": lambda lo, hi: [], "g": lambda lo, hi: []})
    assert result.no_data == ["svc-avail"] and not result.failures
    assert result.events.empty


def test_a_clean_answer_passes_and_names_nothing():
    result = collect({})
    assert not result.failures and not result.no_data
    assert len(result.events) == 12 and (result.events["good"] == 99).all()


def test_answer_problems_names_the_series_labels():
    matrix = Matrix([series([0, 301], [1.0, -1.0], job="api")])
    problems = answer_problems(matrix, 0, 600, STEP)
    assert problems == [
        '1 sample(s) of {job="api"} off the 300s step grid',
        '1 negative value(s) in {job="api"}',
    ]
