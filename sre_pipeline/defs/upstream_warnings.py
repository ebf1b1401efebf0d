"""Dagster's own Beta/Preview warnings about features this code location uses on purpose.

Dagster warns in every process that loads the definitions: a multi-run back-fill policy is
"beta", partitioned asset checks are "preview". They say nothing a user can act on, so they are
filtered by their exact subject (any other warning still shows).
"""

import contextlib
import warnings
from collections.abc import Iterator

# (message regex, category name) of the warnings that are expected
EXPECTED = (
    (r"Parameter `backfill_policy` of function `asset` is currently in beta", "BetaWarning"),
    (r"Specifying a partitions_def on an AssetCheckSpec is currently in preview", "PreviewWarning"),
)


def _categories() -> dict[str, type[Warning]]:
    import dagster as dg

    return {"BetaWarning": dg.BetaWarning, "PreviewWarning": dg.PreviewWarning}


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
