"""The layer rules (docs/architecture.md) hold: import-linter's contracts in pyproject.toml,
checked over the real package, and shown to catch a break."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}  # the package under ``root``, not the install
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_layer_contract_is_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("slo/model.py", "import dagster", "never imports Dagster"),
        ("slo/budget/grid.py", "import sre_pipeline.slo.spec.native", "never imports a spec"),
        ("defs/jobs.py", "import sre_pipeline.demo.plan", "Production never imports the demo"),
        ("defs/jobs.py", "import sre_pipeline.commands.flags", "never imports the CLI"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(tmp_path, module, line, contract):
    shutil.copytree(ROOT / "sre_pipeline", tmp_path / "sre_pipeline")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "sre_pipeline" / module
    target.write_text(target.read_text() + f"\n{line}  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "1 broken" in result.stdout and contract in result.stdout.split("Broken contracts")[-1]
