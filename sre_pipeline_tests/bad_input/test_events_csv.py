"""Events CSVs with mixed bucket widths or an unclosed quote: the line, exit code 2."""

from __future__ import annotations

import pandas as pd

from sre_pipeline_tests.bad_input.helpers import NATIVE, cli, write

HEADER = "slo,bucket_start,good,total\n"


def _rows(slo: str, start: str, n: int, step: str) -> list[str]:
    times = pd.date_range(start, periods=n, freq=step, tz="UTC")
    return [f"{slo},{t:%Y-%m-%dT%H:%M:%SZ},9,10" for t in times]


def _evaluate(capsys, tmp_path, rows: list[str], *flags):
    spec = write(tmp_path / "shop.yaml", NATIVE)
    csv = write(tmp_path / "events.csv", HEADER + "\n".join(rows) + "\n")
    return csv, cli(capsys, "evaluate", "--slos", spec, "--events", csv, *flags)


def test_one_row_off_the_grid_is_named_by_its_line(capsys, tmp_path):
    rows = _rows("shop-avail", "2026-11-01", 24, "5min")
    rows.insert(10, "shop-avail,2026-11-01T00:51:00Z,9,10")  # file line 12
    csv, done = _evaluate(capsys, tmp_path, rows)
    assert (done.code, done.out) == (2, "")
    assert done.lines[0] == (
        f"error: {csv}:12: bucket_start: 2026-11-01T00:51:00Z is not on the 5m bucket grid "
        "(counted from 00:00 UTC); expected buckets 5m wide, aligned, or --bucket with the "
        "file's width"
    )


def test_two_widths_name_the_slo_and_line(capsys, tmp_path):
    rows = _rows("shop-avail", "2026-11-01", 48, "5min")
    rows += _rows("shop-other", "2026-11-01", 12, "1h")  # lines 50..61
    csv, done = _evaluate(capsys, tmp_path, rows)
    assert done.code == 2
    assert done.lines[0].startswith(
        f"error: {csv}:51: bucket_start: SLO 'shop-other' has buckets 1h apart (the first such "
        "here), the file's are 5m"
    )


def test_rows_finer_than_the_given_bucket(capsys, tmp_path):
    rows = _rows("shop-avail", "2026-11-01", 10, "1min")
    csv, done = _evaluate(capsys, tmp_path, rows, "--bucket", "5m")
    assert done.code == 2
    assert done.lines[0].startswith(f"error: {csv}:3: bucket_start: 2026-11-01T00:01:00Z is not")
    assert len([ln for ln in done.lines if ln.startswith("error:")]) == 8


def test_sparse_rows_evaluate_with_an_explicit_bucket(capsys, tmp_path):
    rows = _rows("shop-avail", "2026-11-01", 48, "5min") + _rows("shop-x", "2026-11-01", 3, "1h")
    _, done = _evaluate(capsys, tmp_path, rows, "--bucket", "5m")
    assert done.code == 0, done.err


def test_unclosed_quote_names_the_line_where_it_opened(capsys, tmp_path):
    rows = _rows("shop-avail", "2026-11-01", 6, "5min")
    rows[3] = '"shop-avail,2026-11-01T00:15:00Z,9,10'  # line 5
    csv, done = _evaluate(capsys, tmp_path, rows)
    assert (done.code, done.out) == (2, "")
    assert done.lines[0] == (
        f"error: {csv}:5: (file): cannot read CSV: a quoted field opened here is never closed; "
        "expected a CSV file"
    )


def test_escaped_quotes_do_not_hide_the_opening_line(capsys, tmp_path):
    rows = _rows("shop-avail", "2026-11-01", 6, "5min")
    rows[1] = '"shop ""a"" avail,2026-11-01T00:05:00Z,9,10'  # line 3, never closed
    csv, done = _evaluate(capsys, tmp_path, rows)
    assert done.code == 2 and done.lines[0].startswith(f"error: {csv}:3: (file): cannot read")
