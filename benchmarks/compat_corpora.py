"""Compatibility figures on the peers' own example corpora (run on demand).

    .venv/bin/python benchmarks/compat_corpora.py \
        --sloth-examples /path/to/sloth/examples \
        --openslo /path/to/oslo/test/inputs --openslo /path/to/oslo/internal/files/testdata \
        --openslo /path/to/go-sdk/pkg [--oslo /path/to/oslo]

Sloth: how many of the example specs at the top of ``examples/`` ``sre-pipeline validate``
accepts (Sloth generates rules for all of them, given its plugins directory). OpenSLO: for
every ``.yaml``/``.yml``/``.json`` file (go-sdk's ``*/outputs/`` left out: they are the
expected results of its export and inline tests), whether ``sre-pipeline validate`` and
OpenSLO's reference validator (``oslo validate -f FILE``; with ``--oslo``, run here, else the
verdicts recorded in ``benchmarks/oslo_verdicts.json``) agree that the file is valid. Prints
the figures and every disagreement; ``--write`` records them in ``docs/compat.md``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).parent / "sre-pipeline"
RECORDED = ROOT / "benchmarks" / "oslo_verdicts.json"
SUFFIXES = (".yaml", ".yml", ".json")


def validate(path: Path) -> tuple[bool, str]:
    """``sre-pipeline validate PATH``: accepted, and the first error line when not."""
    done = subprocess.run([str(CLI), "validate", str(path)], capture_output=True, text=True)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error")]
    return done.returncode == 0, errors[0] if errors else ""


def sloth(examples: Path) -> tuple[int, list[str], int]:
    """Accepted example specs, one line per refused one, and how many there are."""
    files = sorted(p for p in examples.iterdir() if p.suffix in SUFFIXES[:2] and p.is_file())
    refused = []
    for path in files:
        ok, error = validate(path)
        if not ok:
            refused.append(f"{path.name}: {error.split(': ', 2)[-1][:160]}")
    return len(files) - len(refused), refused, len(files)


def openslo_files(roots: list[Path]) -> list[tuple[str, Path]]:
    """(name relative to its root's parent, path) of every candidate file."""
    found = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in SUFFIXES and path.is_file() and "outputs" not in path.parts:
                found.append((str(path.relative_to(root.parent)), path))
    return found


def oslo_verdict(oslo: str | None, name: str, path: Path, recorded: dict) -> bool | None:
    """Whether the reference validator accepts the file (None: no verdict for it)."""
    if oslo:
        done = subprocess.run([oslo, "validate", "-f", str(path)], capture_output=True)
        return done.returncode == 0
    return recorded.get(name)


def main() -> int:
    """Measure and print (and with ``--write``, record) the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sloth-examples", type=Path, required=True)
    ap.add_argument("--openslo", type=Path, action="append", required=True)
    ap.add_argument("--oslo", help="the oslo binary (default: the recorded verdicts)")
    ap.add_argument("--write", action="store_true", help="record the figures in docs/compat.md")
    ap.add_argument(
        "--record", action="store_true", help="with --oslo: store its verdicts for later runs"
    )
    args = ap.parse_args()
    accepted, refused, n_sloth = sloth(args.sloth_examples)
    recorded = json.loads(RECORDED.read_text()) if RECORDED.exists() else {}
    agree, rated, differ, verdicts = 0, 0, [], {}
    for name, path in openslo_files(args.openslo):
        ref = oslo_verdict(args.oslo, name, path, recorded)
        if ref is None:
            continue
        verdicts[name] = ref
        ours, error = validate(path)
        rated += 1
        agree += ours == ref
        if ours != ref:
            verdict = "valid" if ref else "invalid"
            differ.append(f"{name}: oslo says {verdict}; sre-pipeline: {error[:160] or 'valid'}")
    lines = [
        f"Sloth: {accepted} of {n_sloth} example specs accepted",
        *[f"  refused {r}" for r in refused],
        f"OpenSLO: {agree} of {rated} files judged as oslo validate judges them",
        *[f"  {d}" for d in differ],
    ]
    print("\n".join(lines))
    if args.record and args.oslo:
        RECORDED.write_text(json.dumps(verdicts, indent=1, sort_keys=True) + "\n")
    if args.write:
        doc = ROOT / "docs" / "compat.md"
        text = doc.read_text()
        head, _, _ = text.partition("<!-- figures -->")
        doc.write_text(head + "<!-- figures -->\n```\n" + "\n".join(lines) + "\n```\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
