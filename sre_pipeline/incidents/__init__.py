"""Incidents and postmortem action items: the records, the postmortem Markdown reader."""
