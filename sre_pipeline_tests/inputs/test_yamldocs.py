"""The YAML reader: libyaml's fast path reads every file exactly as the Python loader does,
and hostile or broken files get the Python loader's refusal, not a crash."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sre_pipeline.inputs import yamldocs
from sre_pipeline.inputs.yamldocs import parse_documents

ROOT = Path(__file__).resolve().parents[2]


def _python(text: str, name: str = "f.yaml"):
    return yamldocs._parse(yamldocs._InputLoader(text), None, text, name, 1)


def _fields(result):
    docs, problems = result
    return [(d.index, d.data, d.lines, d.texts) for d in docs], problems


def _corpus(tmp_path: Path) -> list[Path]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from gosdk_probes.cases import write_cases
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    write_cases(tmp_path)  # 432 OpenSLO files, each meeting or breaking one rule
    ours = [p for p in ROOT.glob("examples/**/*.yaml")] + [ROOT / "workspace.yaml"]
    return ours + sorted(tmp_path.glob("*.yaml"))


@pytest.mark.skipif(yamldocs._CLoader is None, reason="PyYAML built without libyaml")
def test_the_fast_path_reads_every_file_as_the_python_loader_does(tmp_path):
    files = _corpus(tmp_path)
    assert len(files) > 400
    for path in files:
        text = path.read_text()
        assert _fields(parse_documents(text, "f.yaml")) == _fields(_python(text)), path


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # duplicate key: a problem, and the document is still read
        "a: [1, 2\n",  # syntax error
        "a: *nowhere\n",  # undefined alias (found by the composer, not the events)
        "- &a [x, x]\n- &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        + "".join(
            f"- &c{i} [{', '.join(['*b' if i == 0 else f'*c{i - 1}'] * 11)}]\n" for i in range(6)
        ),
        "a: " + "[" * 150 + "]" * 150 + "\n",  # nested past MAX_DEPTH
        "start: 2026-02-30\nname: 'x'\nplain: yes\n---\n---\nb: |\n  text\n",
    ],
    ids=["duplicate", "syntax", "undefined-alias", "alias-bomb", "too-deep", "plain-texts"],
)
def test_refusals_and_texts_are_the_python_loaders(text):
    assert _fields(parse_documents(text, "f.yaml")) == _fields(_python(text))


def test_a_very_deep_document_is_refused_without_crashing():
    text = "[" * 200_000 + "]" * 200_000  # would overflow a recursive composer's stack
    docs, problems = parse_documents(text, "deep.yaml")
    assert docs == []
    assert problems[0].message == "document refused: nesting deeper than 100 levels"
