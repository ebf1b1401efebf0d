"""The shared table layout: the exact text the hand-written renderers produced before."""

from __future__ import annotations

import pytest
import tabulate

from sre_pipeline.text_tables import markdown_table, text_table


def test_markdown_is_compact_with_alignment_rules():
    rows = [["checkout-latency", "50.0%", "1"], ["a \\| b", "99.7%", "12"]]
    assert markdown_table(rows, ["SLO", "Worst day", "Days below"], "lcr") == (
        "| SLO | Worst day | Days below |\n"
        "|---|:---:|---:|\n"
        "| checkout-latency | 50.0% | 1 |\n"
        "| a \\| b | 99.7% | 12 |"
    )


def test_markdown_keeps_cells_as_given():
    # no number parsing ("1.50" stays), empty cells stay empty, spaces are not trimmed
    assert markdown_table([["1.50", "", " x "]], ["a", "b", "c"]) == (
        "| a | b | c |\n|---|---|---|\n| 1.50 |  |  x  |"
    )


def test_markdown_without_rows_is_header_and_rule():
    assert markdown_table([], ["slo", "budget"]) == "| slo | budget |\n|---|---|"


def test_text_table_aligns_without_padding_the_header():
    rows = [["cart-availability", "99.9%", "0.10x"], ["api", "99.95%", "31.45x"]]
    assert text_table(rows, ["SLO", "target", "burn"], "lrr") == (
        "SLO                target    burn\n"
        "-----------------  ------  ------\n"
        "cart-availability   99.9%   0.10x\n"
        "api                99.95%  31.45x"
    )


def test_text_table_without_rule_has_no_trailing_spaces():
    rows = [["INC-1", "SEV1", ""], ["INC-22", "SEV2", "a.md"]]
    assert text_table(rows, ["INCIDENT", "SEVERITY", "FILE"], rule=False) == (
        "INCIDENT  SEVERITY  FILE\nINC-1     SEV1\nINC-22    SEV2      a.md"
    )


def test_tabulate_module_settings_are_left_alone():
    before = tabulate.MIN_PADDING
    text_table([["a"]], ["b"])
    assert tabulate.MIN_PADDING == before


def test_align_must_match_the_columns():
    with pytest.raises(ValueError, match="does not match 2 column"):
        markdown_table([], ["a", "b"], "l")
    with pytest.raises(ValueError, match="does not match 1 column"):
        text_table([], ["a"], "lr")
