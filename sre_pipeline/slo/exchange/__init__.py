"""The command line's exchange formats: bucket counts as CSV in and out
(``evaluate``, ``collect``) and the status as a table or JSON."""

from sre_pipeline.slo.exchange.events_csv import EventsFile, read_events_csv, write_events_csv
from sre_pipeline.slo.exchange.report import status_json, status_records, status_table

__all__ = [
    "EventsFile",
    "read_events_csv",
    "status_json",
    "status_records",
    "status_table",
    "write_events_csv",
]
