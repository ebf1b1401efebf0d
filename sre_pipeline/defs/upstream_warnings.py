"""Dagster's own Beta/Preview warnings about features this code location uses on purpose.

Dagster warns in every process that loads the definitions: a multi-run back-fill policy is
"beta", partitioned asset checks are "preview". With the Celery executor, dagster-celery 0.29
registers its step task again for every step it submits, which Celery 5.7 reports once per run
(``DuplicateTaskNameWarning``, a ``UserWarning``; the task registered first is the same one).
They say nothing a user can act on, so they are filtered by their exact subject (any other
warning still shows).
"""

import contextlib
import warnings
from collections.abc import Iterator

# (message regex, category name) of the warnings that are expected
EXPECTED = (
    (r"Parameter `backfill_policy` of function `asset` is currently in beta", "BetaWarning"),
    (r"Specifying a partitions_def on an AssetCheckSpec is currently in preview", "PreviewWarning"),
    (r"Task name 'execute_plan' is already registered to a different callable", "UserWarning"),
)


def _categories() -> dict[str, type[Warning]]:
    import dagster as dg

    return {
        "BetaWarning": dg.BetaWarning,
        "PreviewWarning": dg.PreviewWarning,
        "UserWarning": UserWarning,
    }


def ignore_expected() -> None:
    """Install filters for the expected warnings in this process (CLI entry points)."""
    categories = _categories()
    for message, category in EXPECTED:
        warnings.filterwarnings("ignore", message=message, category=categories[category])


@contextlib.contextmanager
def expected_warnings_silenced() -> Iterator[None]:
    """The expected warnings silenced inside the block only (building the definitions)."""
    with warnings.catch_warnings():
        ignore_expected()
        yield
