"""The go-sdk probe cases (``benchmarks/gosdk_probes``): ``sre-pipeline validate`` agrees with
OpenSLO's reference validator on each, except the differences documented in docs/compat.md
(``known_differences.json``). A new disagreement, or a documented one that went away, fails."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
from pathlib import Path

from sre_pipeline.cli import main as cli

PROBES = Path(__file__).resolve().parents[3] / "benchmarks" / "gosdk_probes"


def _cases():
    spec = importlib.util.spec_from_file_location("gosdk_probe_cases", PROBES / "cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_validate_agrees_with_go_sdk_except_where_documented(tmp_path):
    names = _cases().write_cases(tmp_path)
    verdicts = json.loads((PROBES / "verdicts.json").read_text())
    known = json.loads((PROBES / "known_differences.json").read_text())
    assert sorted(names) == sorted(verdicts)
    refused, accepted = set(), set()
    for name in names:
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = cli(["validate", str(tmp_path / name)])
        assert code in (0, 2) and "Traceback" not in err.getvalue(), (name, err.getvalue())
        if (code == 0) not in set(verdicts[name].values()):
            (accepted if code == 0 else refused).add(name)
    assert refused == set(known["refused"])
    assert accepted == set(known["accepted"])
