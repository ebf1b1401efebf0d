"""The warehouse as the report commands (``quality``, ``capacity``) read it: one the pipeline
has written, at this version's schema; never created or upgraded by looking."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

from sre_pipeline.commands import UsageError
from sre_pipeline.warehouse.engine import make_engine
from sre_pipeline.warehouse.migrate import current_revision, head_revision


def existing_warehouse(url: str | None):
    """An engine on a warehouse the pipeline has written: a report must not create an empty
    one (a mistyped URL would then "pass") nor change its schema."""
    engine = make_engine(url)
    shown = engine.url.render_as_string(hide_password=True)
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        if not path or path == ":memory:" or not Path(path).exists():
            raise UsageError(
                f"no warehouse at {shown}; expected the pipeline's warehouse "
                "(run the pipeline or `sre-pipeline demo` first)"
            )
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        raise UsageError(
            f"cannot read the warehouse {shown}: {exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0]}"
        ) from None
    if revision != head_revision():
        engine.dispose()
        raise UsageError(
            f"the warehouse {shown} is at schema {revision or '(none)'}, expected "
            f"{head_revision()}; run the pipeline once to upgrade it"
        )
    return engine


def chosen_week(monday: str | None, time_zone: str) -> date:
    """The Monday of ``--week`` (already its Monday's ISO text, see ``cli_args.week_arg``), or
    of the last complete week where the team is (``time_zone``)."""
    if monday:
        return date.fromisoformat(monday)
    today = pd.Timestamp.now(tz=time_zone).date()
    return today - timedelta(days=today.weekday() + 7)
