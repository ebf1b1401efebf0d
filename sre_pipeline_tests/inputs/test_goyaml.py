"""Plain YAML scalars as Go's decoders turn them into strings (Sloth's labels)."""

from __future__ import annotations

import pytest

from sre_pipeline.inputs.goyaml import format_float32, resolve


@pytest.mark.parametrize(
    ("text", "kind", "string"),
    [
        ("abc", "str", "abc"),
        ("true", "bool", "true"),
        ("y", "bool", "true"),
        ("Off", "bool", "false"),
        ("~", "null", ""),
        ("90", "int", "90"),
        ("010", "int", "8"),  # a leading 0 is octal in Go's ParseInt(_, 0, 64)
        ("08", "float", "8"),  # not octal, so a float
        ("0x1F", "int", "31"),
        ("0o17", "int", "15"),
        ("-0b101", "int", "-5"),
        ("1_000", "int", "1000"),
        ("+5", "int", "5"),
        ("0.2", "float", "0.2"),
        ("0.20", "float", "0.2"),
        ("99.90", "float", "99.9"),
        ("1.0", "float", "1"),
        ("1e3", "float", "1000"),
        (".5", "float", "0.5"),
        ("1000000.0", "float", "1e+06"),
        ("1000000", "int", "1000000"),
        ("0.00001", "float", "1e-05"),
        ("0.0001", "float", "0.0001"),
        ("3.14159265", "float", "3.1415927"),  # float32 precision
        (".inf", "float", "+Inf"),
        (".NaN", "float", "NaN"),
        ("2024-01-02", "str", "2024-01-02"),  # timestamps stay as written
        ("1:30", "str", "1:30"),  # no sexagesimal numbers
    ],
)
def test_scalars_resolve_as_in_go(text, kind, string):
    assert resolve(text) == (kind, string)


def test_float32_formatting_matches_go():
    assert [format_float32(v) for v in (0.1, -2.5e-7, 123456.7, 1e21, 0.0)] == [
        "0.1",
        "-2.5e-07",
        "123456.7",
        "1e+21",
        "0",
    ]
