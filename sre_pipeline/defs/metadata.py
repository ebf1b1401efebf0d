"""Shared pieces of asset metadata: Markdown tables and input-error failures.

No ``from __future__ import annotations``: kept like the other Dagster modules.
"""

import dagster as dg
import pandas as pd

from sre_pipeline.slo.problems import SpecError


def md_table(frame: pd.DataFrame, columns: list[str]) -> str:
    """``frame[columns]`` as a Markdown table (floats to 4 significant digits)."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in frame[columns].itertuples(index=False):
        cells = [f"{v:.4g}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def problems_md(exc: SpecError) -> dg.MetadataValue:
    """Every problem of an input error (file:line, field, expected) as a Markdown list."""
    return dg.MetadataValue.md("\n".join(f"- `{p}`" for p in exc.problems))


def spec_failure(exc: SpecError, what: str) -> dg.Failure:
    """A run failure listing every problem of the input."""
    return dg.Failure(
        description=f"{len(exc.problems)} problem(s) in {what}",
        metadata={"problems": problems_md(exc)},
    )
