"""``docs/performance.md``: each benchmark rewrites its own section and keeps the others."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
INTRO = """# Performance

Benchmarks live in `benchmarks/`; each is a plain script that generates seeded synthetic data,
times the code in one process run and rewrites its own section of this file. Run them from the
repository root with the project virtualenv, e.g. `.venv/bin/python benchmarks/bench_core.py`
(`--no-write` prints the report without touching this file). Figures depend on the machine;
every section says which machine produced it.
"""


def write_section(heading: str, markdown: str, path: Path = DOC) -> None:
    """Replace the section that starts with ``heading`` (up to the next ``## ``), or append it."""
    text = path.read_text() if path.exists() else INTRO
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: markdown.rstrip("\n") + "\n\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + markdown
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n")


def publish(heading: str, markdown: str, write: bool = True, path: Path = DOC) -> None:
    """Print a benchmark's section and, with ``write``, replace it in ``path`` and say so."""
    import sys

    print(markdown)
    if write:
        write_section(heading, markdown, path)
        print(f"wrote {path.relative_to(path.parents[1])}", file=sys.stderr)
