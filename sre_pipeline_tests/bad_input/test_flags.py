"""Flag values that cannot be used: argparse names the flag (``argument --flag: ...``), exit
code 2, no traceback, nothing written; and every sub-command's ``--help`` and ``--version``.
"""

from __future__ import annotations

import re

import pytest

from sre_pipeline.cli import build_parser
from sre_pipeline_tests.bad_input.helpers import NATIVE, cli, write

BAD_FLAGS = [
    # (command, flag, value, what the message says)
    ("demo", "--end", "garbage", "'garbage' is not a date; expected a real day as YYYY-MM-DD"),
    ("demo", "--end", "2026-02-30", "'2026-02-30' is not a real day (day is out of range"),
    ("demo", "--end", "0001-01-01", "'0001-01-01' is outside the supported range"),
    ("demo", "--days", "0", "'0' is not a number of days; expected a whole number from 1"),
    ("demo", "--days", "-3", "'-3' is not a number of days"),
    ("demo", "--days", "many", "'many' is not a number of days"),
    ("demo", "--days", "99999999", "'99999999' is not a number of days"),
    ("evaluate", "--at", "soon", "'soon' is not an ISO 8601 time; expected an ISO 8601 time"),
    (
        "evaluate",
        "--at",
        "0001-01-01",
        "'0001-01-01' is outside the supported range; expected "
        "an ISO 8601 time such as 2026-11-02T10:00Z with a year in 1970..2200",
    ),
    ("evaluate", "--at", "99999-01-01T00:00Z", "'99999-01-01T00:00Z' is outside the supported"),
    ("evaluate", "--at", "2026-11-31T10:00Z", "'2026-11-31T10:00Z' is not a real time"),
    ("evaluate", "--at", "2026-11-02T25:00Z", "is not a real time (hour must be in 0..23)"),
    ("evaluate", "--at", "", "'' is not an ISO 8601 time"),
    ("evaluate", "--bucket", "0m", "'0m' is not a positive whole number of seconds"),
    ("evaluate", "--bucket", "-5m", "-5m"),
    ("evaluate", "--bucket", "five", "five"),
    ("collect", "--bucket", "0m", "'0m' is not a positive whole number of seconds"),
    ("collect", "--bucket", "-1h", "-1h"),
    ("collect", "--start", "garbage", "'garbage' is not an ISO 8601 time"),
    ("collect", "--end", "yesterday", "'yesterday' is not an ISO 8601 time"),
    ("collect", "--start", "2026-02-30T00:00Z", "'2026-02-30T00:00Z' is not a real time"),
    ("quality", "--week", "garbage", "'garbage' is not a week; expected an ISO week"),
    ("incidents", "--week", "2026-W54", "'2026-W54' is not a week of 2026"),
    ("quality", "--week", "2026-13-01", "'2026-13-01' is not a real day"),
]


def _argv(tmp_path, command: str, flag: str, value: str) -> list:
    spec = write(tmp_path / "shop.yaml", NATIVE)
    base = {
        "demo": ["demo", "--output-dir", tmp_path / "home"],
        "evaluate": ["evaluate", "--slos", spec, "--events", tmp_path / "events.csv"],
        "collect": [
            "collect",
            "--slos",
            spec,
            "--start",
            "2026-11-01T00:00Z",
            "--end",
            "2026-11-02T00:00Z",
            "--output",
            tmp_path / "out.csv",
            "--prometheus-url",
            "http://127.0.0.1:9",
        ],
        "quality": ["quality"],
        "incidents": ["incidents"],
    }[command]
    return [*base, f"{flag}={value}"]  # "=": a value such as -3 must not read as a flag


@pytest.mark.parametrize("command, flag, value, message", BAD_FLAGS)
def test_bad_flag_values_name_the_flag(capsys, tmp_path, command, flag, value, message):
    done = cli(capsys, *_argv(tmp_path, command, flag, value))
    assert (done.code, done.out) == (2, "")
    assert done.lines[-1].startswith(f"sre-pipeline {command}: error: argument {flag}: ")
    assert message in done.lines[-1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop.yaml"]  # nothing written


def test_collect_names_the_flag_that_is_off_the_bucket_grid(capsys, tmp_path):
    argv = _argv(tmp_path, "collect", "--start", "2026-11-01T00:03Z")
    done = cli(capsys, *argv)
    assert done.code == 2
    assert done.lines == [
        "error: --start 2026-11-01T00:03:00Z is not on a 300s bucket boundary; "
        "expected e.g. 2026-11-01T00:00Z"
    ]
    assert not (tmp_path / "out.csv").exists()


def test_version(capsys):
    done = cli(capsys, "--version")
    assert done.code == 0
    assert re.fullmatch(r"sre-pipeline \d+\.\d+\.\d+\S*\n", done.out), done.out


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return list(sub.choices)


def test_every_command_is_listed():
    assert {"validate", "evaluate", "collect", "export-rules", "quality", "demo"} <= set(
        _commands()
    )


@pytest.mark.parametrize("command", _commands())
def test_every_command_help_has_a_description_and_examples(capsys, command):
    done = cli(capsys, command, "--help")
    assert done.code == 0
    usage, _, rest = done.out.partition("\n\n")
    assert usage.startswith(f"usage: sre-pipeline {command}")
    description = rest.split("\n\n")[0]
    assert len(description.split()) >= 8 and not description.startswith(("options:", "  "))
    examples = done.out.split("Examples:\n", 1)[1]
    assert examples.splitlines()[0].startswith(f"  sre-pipeline {command}")
