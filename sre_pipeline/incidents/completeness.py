"""Warnings about action items that the blocking ``action_items`` data-quality check will
fail: each needs an owner and a due date before the week's review can be published.

``sre-pipeline validate --postmortems`` prints them as warnings with the item's file and line,
so an author sees them while writing; they are not errors, since a postmortem still being
written is worth loading (the check in the pipeline still blocks).
"""

from __future__ import annotations

from collections.abc import Iterable

from sre_pipeline.incidents.model import Incident
from sre_pipeline.inputs.problems import Problem

_MISSING = (
    ("owner", "Owner", "no owner", "a person or team in the Owner column"),
    ("due_date", "Due", "no due date", "a due date as YYYY-MM-DD in the Due column"),
)


def incomplete_items(incidents: Iterable[Incident]) -> list[Problem]:
    """A warning for each action item without an owner, and each without a due date."""
    out = []
    for incident in incidents:
        for item in incident.action_items:
            for attr, column, message, expected in _MISSING:
                if getattr(item, attr) is None:
                    out.append(
                        Problem(
                            item.source or incident.source,
                            None,
                            f"action item '{item.item_id}': {column}",
                            f"{message} (the action_items check blocks publishing on it)",
                            expected,
                            item.line,
                            "warning",
                        )
                    )
    return out
