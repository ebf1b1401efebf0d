"""Shared pieces of asset metadata: Markdown tables, the standard ``dagster/*`` keys, per-day
metadata of multi-day runs and input-error failures.

No ``from __future__ import annotations``: kept like the other Dagster modules.
"""

import math
from collections.abc import Mapping
from datetime import date

import dagster as dg
import pandas as pd
from sqlalchemy import Table

from sre_pipeline.inputs.problems import SpecError
from sre_pipeline.text_tables import markdown_table

NO_DATA = "no data"


def cell(value) -> str:
    """A value as a person reads it: floats to 4 significant digits, NaN/None as "no data"."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return NO_DATA
    if value is pd.NaT or (not isinstance(value, str | list | dict) and pd.isna(value)):
        return NO_DATA
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def md_table(frame: pd.DataFrame, columns: list[str]) -> str:
    """``frame[columns]`` as a Markdown table (see :func:`cell`)."""
    rows = [[cell(v) for v in row] for row in frame[columns].itertuples(index=False)]
    return markdown_table(rows, columns)


def table_schema(table: Table) -> dg.TableSchema:
    """The warehouse table's columns as Dagster's ``dagster/column_schema``."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                c.name,
                str(c.type).lower(),
                constraints=dg.TableColumnConstraints(nullable=bool(c.nullable)),
            )
            for c in table.columns
        ]
    )


def table_metadata(table: Table) -> dict:
    """Definition metadata of an asset stored in ``table``: its name and column schema."""
    return {
        "dagster/table_name": f"warehouse.{table.name}",
        "dagster/column_schema": table_schema(table),
    }


def add_day_metadata(context, per_day: Mapping[date, dict]) -> None:
    """Attach each day's own figures to that day's materialisation (a multi-day run records
    one materialisation per partition; without this every day would show the run's)."""
    for day, metadata in per_day.items():
        context.add_asset_metadata(metadata, partition_key=day.isoformat())


def problems_md(exc: SpecError) -> dg.MetadataValue:
    """Every problem of an input error (file:line, field, expected) as a Markdown list."""
    return dg.MetadataValue.md("\n".join(f"- `{p}`" for p in exc.problems))


def spec_failure(exc: SpecError, what: str) -> dg.Failure:
    """A run failure listing every problem of the input, not retried (a retry cannot fix a
    file)."""
    return dg.Failure(
        description=f"{len(exc.problems)} problem(s) in {what}:\n"
        + "\n".join(str(p) for p in exc.problems[:20]),
        metadata={"problems": problems_md(exc)},
        allow_retries=False,
    )
