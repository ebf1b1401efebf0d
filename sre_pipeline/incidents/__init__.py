"""Incidents and postmortem action items: the records, the postmortem Markdown reader
(markdown-it-py) and the frames the warehouse stores."""

from sre_pipeline.incidents.completeness import incomplete_items
from sre_pipeline.incidents.model import (
    ActionItem,
    Incident,
    action_items_frame,
    incidents_frame,
    open_and_overdue,
)
from sre_pipeline.incidents.postmortems import PostmortemSet, load_postmortems

__all__ = [
    "ActionItem",
    "Incident",
    "PostmortemSet",
    "action_items_frame",
    "incidents_frame",
    "incomplete_items",
    "load_postmortems",
    "open_and_overdue",
]
