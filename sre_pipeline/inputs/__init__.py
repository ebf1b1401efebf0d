"""The shared input kit every reader uses (SLO specs, configuration, capacity, postmortems,
demo plan, CSV): problems that name file, line, field and what was expected; YAML documents
with line numbers; validation models; durations, instants and PromQL checks."""

from sre_pipeline.inputs.durations import DurationError, format_duration, parse_duration
from sre_pipeline.inputs.instants import TimeError, parse_datetime, parse_day, parse_instant
from sre_pipeline.inputs.problems import Problem, SpecError, did_you_mean, format_path
from sre_pipeline.inputs.promql import promql_error, render
from sre_pipeline.inputs.validation import DocContext, InputModel, invalid
from sre_pipeline.inputs.yamldocs import Document, parse_documents, read_documents

__all__ = [
    "DocContext",
    "Document",
    "DurationError",
    "InputModel",
    "Problem",
    "SpecError",
    "TimeError",
    "did_you_mean",
    "format_duration",
    "format_path",
    "invalid",
    "parse_datetime",
    "parse_day",
    "parse_documents",
    "parse_duration",
    "parse_instant",
    "promql_error",
    "read_documents",
    "render",
]
