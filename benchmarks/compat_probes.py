"""go-sdk's validation rules, probed one by one (run on demand).

    .venv/bin/python benchmarks/compat_probes.py [--write] [--all]

The 432 probe cases (``benchmarks/gosdk_probes/cases.py``, written for this project) each meet
or break one rule of OpenSLO's reference validator. ``verdicts.json`` records what oslo
(go-sdk v0.6.2) and go-sdk v0.9.2 say of each. A case agrees when ``sre-pipeline validate``
accepts it exactly when a reference does (the two references differ on 2 cases; either
verdict counts). Disagreements are printed grouped as docs/compat.md explains them: the
pipeline refuses what it cannot evaluate, or reads more leniently. ``--write`` records the
figure in ``docs/compat.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from gosdk_probes.cases import write_cases  # noqa: E402

from sre_pipeline.cli import main as cli  # noqa: E402

VERDICTS = ROOT / "benchmarks" / "gosdk_probes" / "verdicts.json"
KNOWN = ROOT / "benchmarks" / "gosdk_probes" / "known_differences.json"
DOC = ROOT / "docs" / "compat.md"


def validate(path: Path) -> tuple[bool, str]:
    """``sre-pipeline validate PATH`` in this process: accepted, and the first error line."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = cli(["validate", str(path)])
    except Exception as exc:  # a traceback a user would see: counted, never hidden
        return False, f"CRASH {type(exc).__name__}: {exc}"
    errors = [line for line in err.getvalue().splitlines() if line.startswith("error")]
    return code == 0, errors[0].split(": ", 2)[-1] if errors else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="record the figure in docs/compat.md")
    parser.add_argument("--all", action="store_true", help="print every disagreement's reason")
    args = parser.parse_args()
    verdicts = json.loads(VERDICTS.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        names = write_cases(Path(tmp))
        stricter, looser = [], []
        for name in names:
            ours, reason = validate(Path(tmp) / name)
            theirs = set(verdicts[name].values())
            if ours not in theirs:
                (stricter if not ours else looser).append((name, reason))
    agree = len(names) - len(stricter) - len(looser)
    figure = (
        f"go-sdk probes: {agree} of {len(names)} cases judged as a reference judges them; "
        f"{len(stricter)} refused that the references accept, {len(looser)} accepted that "
        "they refuse"
    )
    print(figure)
    known = json.loads(KNOWN.read_text())
    groups = (
        ("refused", "refused, valid OpenSLO", stricter),
        ("accepted", "accepted, invalid", looser),
    )
    for key, title, group in groups:
        print(f"  {title}:")
        for name, reason in group:
            why = known[key].get(name, "NOT DOCUMENTED in known_differences.json")
            print(f"    {name}: {why}" + (f"\n      {reason[:200]}" if args.all and reason else ""))
    if args.write:
        text = DOC.read_text()
        block = f"<!-- probes -->\n```\n{figure}\n```"
        DOC.write_text(re.sub(r"<!-- probes -->\n```\n.*?\n```", lambda _: block, text, flags=re.S))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
