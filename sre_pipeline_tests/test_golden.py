"""Golden outputs: what `evaluate --format json`, `export-rules` and the demo print must stay
byte-identical through refactorings (the layout work promised no behaviour change).

``SRE_PIPELINE_UPDATE_GOLDEN=1`` rewrites the files under ``golden/`` (only when a change of
output is intended, and say why in the commit).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

from sre_pipeline.cli import main

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SRE_PIPELINE_UPDATE_GOLDEN") == "1"
END = pd.Timestamp("2026-11-16T00:00Z")


def check(name: str, text: str) -> None:
    """``text`` equals the golden file ``name`` (or replaces it when updating)."""
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text)
    assert path.exists(), f"no golden file {path}: run with SRE_PIPELINE_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{name} differs from its golden file"


def demo_text(stdout: str, home: Path) -> str:
    """The demo's printed results without what varies by run: seconds and its home."""
    text = stdout.replace(str(home), "$HOME")
    return re.sub(r"days evaluated, \d+ s\)", "days evaluated, N s)", text)


@pytest.fixture(scope="module")
def events_csv(tmp_path_factory) -> Path:
    from sre_pipeline.demo.history import generate_events
    from sre_pipeline.demo.plan import load_plan
    from sre_pipeline.slo.exchange.events_csv import write_events_csv
    from sre_pipeline.slo.spec.loader import load_catalog

    slos = load_catalog(["examples/slos"]).slos
    frame = generate_events(slos, END, days=36, plan=load_plan(), anchor=END)
    path = tmp_path_factory.mktemp("golden") / "events.csv"
    write_events_csv(frame, path)
    return path


def test_evaluate_json_is_unchanged(events_csv, capsys):
    args = [
        "evaluate",
        "--slos",
        "examples/slos",
        "--events",
        str(events_csv),
        "--format",
        "json",
        "--at",
        "2026-11-16T00:00Z",
    ]
    assert main(args) == 0
    check("evaluate.json", capsys.readouterr().out)


def test_evaluate_table_is_unchanged(events_csv, capsys):
    args = [
        "evaluate",
        "--slos",
        "examples/slos",
        "--events",
        str(events_csv),
        "--at",
        "2026-11-16T00:00Z",
    ]
    assert main(args) == 0
    check("evaluate.txt", capsys.readouterr().out)


def test_export_rules_is_unchanged(capsys):
    assert main(["export-rules", "--slos", "examples/slos"]) == 0
    check("export-rules.yaml", capsys.readouterr().out)
