"""The events CSV (``slo,bucket_start,good,total``): round trip and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sre_pipeline.inputs.problems import Problem, SpecError
from sre_pipeline.slo.exchange.events_csv import COLUMNS, read_events_csv, write_events_csv

HEADER = "slo,bucket_start,good,total\n"


def write(tmp_path: Path, text: str, name: str = "events.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def problems_of(path: str) -> list[Problem]:
    with pytest.raises(SpecError) as exc:
        read_events_csv(path)
    assert all(p.severity == "error" and p.file == path for p in exc.value.problems)
    return exc.value.problems


def test_round_trip(tmp_path):
    frame = pd.DataFrame(
        {
            "slo": ["a-x", "a-x", "b-y"],
            "bucket_start": pd.to_datetime(
                ["2026-01-01T00:00Z", "2026-01-01T00:05Z", "2026-01-01T00:00Z"], utc=True
            ),
            "good": [998.0, 0.0, 12.5],
            "total": [1000.0, 0.0, 12.75],
        }
    )
    path = tmp_path / "events.csv"
    write_events_csv(frame, path)
    assert path.read_text(encoding="utf-8").splitlines() == [
        "slo,bucket_start,good,total",
        "a-x,2026-01-01T00:00:00Z,998,1000",
        "a-x,2026-01-01T00:05:00Z,0,0",
        "b-y,2026-01-01T00:00:00Z,12.5,12.75",
    ]
    assert not Path(str(path) + ".tmp").exists()
    back, warnings = read_events_csv(path)
    assert warnings == []
    assert list(back.columns) == COLUMNS
    assert isinstance(back["slo"].dtype, pd.CategoricalDtype)
    assert str(back["bucket_start"].dt.tz) == "UTC"
    pd.testing.assert_frame_equal(
        back.astype({"slo": str}), frame, check_dtype=False, check_exact=True
    )


def test_writes_naive_and_zoned_times_as_utc(tmp_path):
    frame = pd.DataFrame(
        {
            "slo": ["a", "b"],
            "bucket_start": [pd.Timestamp("2026-03-01T01:00+01:00")] * 2,
            "good": [1, 1],
            "total": [1, 1],
            "extra": [0, 0],
        }
    )
    write_events_csv(frame, tmp_path / "e.csv")
    lines = (tmp_path / "e.csv").read_text(encoding="utf-8").splitlines()
    assert lines == [HEADER.strip(), "a,2026-03-01T00:00:00Z,1,1", "b,2026-03-01T00:00:00Z,1,1"]


def test_round_trip_keeps_large_counts(tmp_path):
    frame = pd.DataFrame(
        {
            "slo": ["a"],
            "bucket_start": [pd.Timestamp("2026-01-01", tz="UTC")],
            "good": [12_345_678_901.0],
            "total": [12_345_678_912.0],
        }
    )
    write_events_csv(frame, tmp_path / "e.csv")
    back, _ = read_events_csv(tmp_path / "e.csv")
    assert back["total"].tolist() == [12_345_678_912.0]


@pytest.mark.parametrize(
    ("stamp", "utc"),
    [
        ("2026-01-01T10:05:00Z", "2026-01-01T10:05:00"),
        ("2026-01-01T10:05:00", "2026-01-01T10:05:00"),  # naive means UTC
        ("2026-01-01 10:05", "2026-01-01T10:05:00"),
        ("2026-01-01T12:05:00+02:00", "2026-01-01T10:05:00"),
        ("2026-01-01T05:05:00-05:00", "2026-01-01T10:05:00"),
        ("2026-01-01T10:05:00.000Z", "2026-01-01T10:05:00"),
    ],
)
def test_timestamps(tmp_path, stamp, utc):
    frame, _ = read_events_csv(write(tmp_path, HEADER + f"a,{stamp},1,2\n"))
    assert frame["bucket_start"].tolist() == [pd.Timestamp(utc, tz="UTC")]


def test_whitespace_around_ids_and_other_column_orders(tmp_path):
    text = "total,good,bucket_start,slo\n2,1,2026-01-01T00:00Z, a-x \n"
    frame, _ = read_events_csv(write(tmp_path, text))
    assert frame.iloc[0].to_dict() == {
        "slo": "a-x",
        "bucket_start": pd.Timestamp("2026-01-01", tz="UTC"),
        "good": 1.0,
        "total": 2.0,
    }


def test_missing_file(tmp_path):
    path = str(tmp_path / "nope.csv")
    (p,) = problems_of(path)
    assert (p.path, p.message, p.expected, p.line) == (
        "(file)",
        "no such file",
        "an events CSV",
        None,
    )


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("slo,bucket_start,good", "missing column(s) total"),
        ("slo,bucket,good,total", "missing column(s) bucket_start; unexpected column(s) bucket"),
        ("slo,bucket_start,good,total,bad", "unexpected column(s) bad"),
        (
            "id,start,ok,all",
            "missing column(s) slo, bucket_start, good, total; unexpected "
            "column(s) id, start, ok, all",
        ),
    ],
)
def test_header(tmp_path, header, message):
    (p,) = problems_of(write(tmp_path, header + "\n"))
    assert (p.path, p.message, p.line) == ("(header)", message, 1)
    assert p.expected == "the header slo,bucket_start,good,total"


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "cannot read CSV: No columns to parse from file"), (HEADER, "no rows")],
)
def test_empty(tmp_path, text, message):
    (p,) = problems_of(write(tmp_path, text))
    assert (p.path, p.message) == ("(file)", message)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("a,yesterday,1,2", "bucket_start", "not an ISO 8601 time ('yesterday')"),
        ("a,2026-13-01T00:00Z,1,2", "bucket_start", "not an ISO 8601 time ('2026-13-01T00:00Z')"),
        ("a,,1,2", "bucket_start", "not an ISO 8601 time ('')"),
        ("a,2026-01-01T00:00Z,-1,2", "good", "not a finite non-negative number ('-1')"),
        ("a,2026-01-01T00:00Z,1,-0.5", "total", "not a finite non-negative number ('-0.5')"),
        ("a,2026-01-01T00:00Z,NaN,2", "good", "not a finite non-negative number ('NaN')"),
        ("a,2026-01-01T00:00Z,1,inf", "total", "not a finite non-negative number ('inf')"),
        ("a,2026-01-01T00:00Z,many,2", "good", "not a finite non-negative number ('many')"),
        ("a,2026-01-01T00:00Z,1,", "total", "not a finite non-negative number ('')"),
        (" ,2026-01-01T00:00Z,1,2", "slo", "empty ('')"),
    ],
)
def test_bad_values_name_their_csv_line(tmp_path, row, column, message):
    good_row = "ok,2026-01-01T00:00Z,1,2\n"
    path = write(tmp_path, HEADER + good_row * 3 + row + "\n" + good_row.replace("00:00", "00:05"))
    (p,) = problems_of(path)
    assert (p.path, p.message, p.line, p.document) == (column, message, 5, None)
    assert str(p).startswith(f"error: {path}:5: {column}: {message}; expected ")


def test_all_bad_rows_are_reported_at_once(tmp_path):
    rows = [f"a,2026-01-01T00:{m:02d}Z,-1,x" for m in range(0, 60, 5)] * 2
    rows += ["b,never,1,1"]
    problems = problems_of(write(tmp_path, HEADER + "\n".join(rows) + "\n"))
    by_column = {c: [p for p in problems if p.path == c] for c in ("bucket_start", "good", "total")}
    assert [p.line for p in by_column["bucket_start"]] == [26]
    assert len(by_column["good"]) == len(by_column["total"]) == 21  # 20 rows, then "... and 4 more"
    assert by_column["good"][-1].message == "... and 4 more rows"
    assert [p.line for p in by_column["good"][:3]] == [2, 3, 4]


def test_duplicate_bucket(tmp_path):
    text = (
        HEADER + "a,2026-01-01T00:00Z,1,1\nb,2026-01-01T00:00Z,1,1\na,2026-01-01T01:00+01:00,2,2\n"
    )
    (p,) = problems_of(write(tmp_path, text))
    assert (p.path, p.line) == ("slo,bucket_start", 4)
    assert p.message == "duplicate bucket ('2026-01-01T01:00+01:00')"
    assert p.expected == "one row per SLO and bucket"


def test_good_above_total_is_kept_as_a_warning(tmp_path):
    path = write(tmp_path, HEADER + "a,2026-01-01T00:00Z,1,1\na,2026-01-01T00:05Z,7,5\n")
    frame, (warning,) = read_events_csv(path)
    assert frame[["good", "total"]].to_numpy().tolist() == [[1.0, 1.0], [7.0, 5.0]]
    assert (warning.severity, warning.file, warning.path, warning.line) == (
        "warning",
        path,
        "good",
        3,
    )
    assert warning.message == "good exceeds total (kept, flagged) ('7')"
    assert str(warning).startswith(f"warning: {path}:3: good: ")


def test_counts_may_be_fractional_and_zero(tmp_path):
    frame, warnings = read_events_csv(write(tmp_path, HEADER + "a,2026-01-01T00:00Z,0.5,1e3\n"))
    assert warnings == []
    assert frame[["good", "total"]].to_numpy().tolist() == [[0.5, 1000.0]]
    assert frame["good"].dtype == np.float64


def test_line_numbers_count_blank_lines(tmp_path):
    (p,) = problems_of(write(tmp_path, HEADER + "a,2026-01-01T00:00Z,1,1\n\na,soon,1,1\n"))
    assert p.line == 4
