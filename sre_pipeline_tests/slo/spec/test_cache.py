"""Parsed catalogs kept on disk between processes (``slo.spec.cache``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sre_pipeline.inputs.problems import SpecError
from sre_pipeline.slo.spec import cache, loader
from sre_pipeline_tests.slo.factories import SHOP_SPEC


@pytest.fixture
def parses(monkeypatch) -> list:
    """The spec files parsed, each time one is; the process's own memory starts empty."""
    monkeypatch.setattr(loader, "_LOADED", {})
    parsed: list = []
    real = loader.read_documents
    monkeypatch.setattr(loader, "read_documents", lambda p: parsed.append(p) or real(p))
    return parsed


def _new_process(monkeypatch) -> None:
    """What a new process has: nothing remembered in memory."""
    monkeypatch.setattr(loader, "_LOADED", {})


def test_a_later_process_reads_the_kept_catalog_and_a_changed_byte_parses_again(
    tmp_path, monkeypatch, parses
):
    spec, kept = tmp_path / "shop.yaml", tmp_path / "cache"
    spec.write_text(SHOP_SPEC)
    first = loader.load_catalog([spec], cache_dir=kept)
    assert len(parses) == 1 and len(list(kept.glob("catalog-*.pickle"))) == 1
    _new_process(monkeypatch)
    again = loader.load_catalog([spec], cache_dir=kept)
    assert len(parses) == 1 and again.slos == first.slos and again.warnings == first.warnings
    _new_process(monkeypatch)
    spec.write_text(SHOP_SPEC.replace("99.9", "99.5"))  # same size, another byte
    assert [s.objective for s in loader.load_catalog([spec], cache_dir=kept).slos] == [0.995]
    assert len(parses) == 2
    _new_process(monkeypatch)  # other options are another catalog (a bucket that must fit)
    from datetime import timedelta

    loader.load_catalog([spec], cache_dir=kept, bucket=timedelta(minutes=1))
    assert len(parses) == 3


def test_errors_are_never_kept_and_an_unreadable_file_is_a_miss(tmp_path, monkeypatch, parses):
    spec, kept = tmp_path / "shop.yaml", tmp_path / "cache"
    spec.write_text(SHOP_SPEC.replace("objective: 99.9", "objectiv: 99.9"))
    with pytest.raises(SpecError):
        loader.load_catalog([spec], cache_dir=kept)
    assert not list(kept.glob("catalog-*"))
    spec.write_text(SHOP_SPEC)
    _new_process(monkeypatch)
    loader.load_catalog([spec], cache_dir=kept)
    (pickle_file,) = kept.glob("catalog-*.pickle")
    pickle_file.write_bytes(pickle_file.read_bytes()[:100])  # truncated: a crash mid-copy
    _new_process(monkeypatch)
    assert [s.objective for s in loader.load_catalog([spec], cache_dir=kept).slos] == [0.999]
    assert len(parses) == 3  # parsed again, and kept whole again
    _new_process(monkeypatch)
    loader.load_catalog([spec], cache_dir=kept)
    assert len(parses) == 3


def test_another_parser_never_reads_an_older_parsers_catalog(tmp_path, monkeypatch, parses):
    spec, kept = tmp_path / "shop.yaml", tmp_path / "cache"
    spec.write_text(SHOP_SPEC)
    loader.load_catalog([spec], cache_dir=kept)
    _new_process(monkeypatch)
    monkeypatch.setattr(cache, "_code_digest", "an-edited-parser")
    loader.load_catalog([spec], cache_dir=kept)
    assert len(parses) == 2


def test_a_directory_that_cannot_be_written_is_not_an_error(tmp_path, parses):
    spec = tmp_path / "shop.yaml"
    spec.write_text(SHOP_SPEC)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    assert len(loader.load_catalog([spec], cache_dir=blocked / "cache").slos) == 1
    assert not list(tmp_path.glob("**/.catalog-*"))


def test_only_the_newest_catalogs_are_kept(tmp_path, monkeypatch, parses):
    kept = tmp_path / "cache"
    for i in range(cache.KEEP + 2):
        spec = tmp_path / f"s{i}" / "shop.yaml"
        spec.parent.mkdir()
        spec.write_text(SHOP_SPEC)
        loader.load_catalog([spec], cache_dir=kept)
    assert len(list(kept.glob("catalog-*.pickle"))) == cache.KEEP


def test_a_real_second_process_loads_without_parsing(tmp_path, parses):
    """Across processes for real: the child fails if it has to parse a single file."""
    spec, kept = tmp_path / "shop.yaml", tmp_path / "cache"
    spec.write_text(SHOP_SPEC)
    first = loader.load_catalog([spec], cache_dir=kept)
    child = (
        "import sys\n"
        "from pathlib import Path\n"
        "from sre_pipeline.slo.spec import loader\n"
        "def refuse(path):\n"
        "    raise SystemExit(f'parsed {path}')\n"
        "loader.read_documents = refuse\n"
        "c = loader.load_catalog([Path(sys.argv[1])], cache_dir=Path(sys.argv[2]))\n"
        "print(c.ids[0], c.slos[0].objective)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", child, str(spec), str(kept)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [first.ids[0], "0.999"]
