"""Validate a YAML document against a pydantic input schema and turn every error into a
:class:`Problem` with the field path, the line, what is wrong and what is expected.

Input schemas forbid unknown keys; for those the allowed keys of the model at that place are
looked up so the message can suggest the closest one.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AllowInfNan, BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from sre_pipeline.inputs.instants import (
    DAY_EXPECTED,
    INSTANT_EXPECTED,
    TimeError,
    parse_datetime,
    parse_day,
)
from sre_pipeline.inputs.problems import Problem, did_you_mean, format_path
from sre_pipeline.inputs.promql import PROMQL_EXPECTED, promql_error
from sre_pipeline.inputs.yamldocs import Document


class InputModel(BaseModel):
    """Base for input schemas: unknown keys are errors, aliases are how users spell keys."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False, frozen=True)


def invalid(message: str, expected: str) -> PydanticCustomError:
    """An error a validator raises: what is wrong and what would be right."""
    return PydanticCustomError("spec", message, {"expected": expected})


def _not_bool(value: object) -> object:
    # YAML reads `yes`/`true` as booleans and pydantic would take them as 1.0
    if isinstance(value, bool):
        raise invalid(f"'{value}' is a boolean", "a number")
    return value


Number = Annotated[float, BeforeValidator(_not_bool), AllowInfNan(False)]
"""A float field that refuses booleans (``objective: true`` is a mistake, not 1 %) and values
that are not finite (``.inf``, ``.nan``, ``1e400``): no threshold, target or rate is one."""


def _not_text(value: object) -> object:
    if isinstance(value, str):
        raise invalid(f"'{value}' is text, not a number", "a number without quotes")
    return _not_bool(value)


StrictNumber = Annotated[float, BeforeValidator(_not_text), AllowInfNan(False)]
"""A :data:`Number` that also refuses quoted numbers, for formats whose reference decoder
does (OpenSLO's go-sdk rejects ``target: '0.99'``)."""


def check_promql(query: str) -> str:
    """``query`` when it parses as PromQL (after filling in ``{{ .window }}``), else an
    :func:`invalid` error with the parser's reason."""
    reason = promql_error(query)
    if reason:
        raise invalid(f"PromQL does not parse: {reason}", PROMQL_EXPECTED)
    return query


def _day(value: object) -> date:
    # a date object only comes from Python callers: the YAML loader keeps dates as text
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise invalid(f"{value!r} is not a date", DAY_EXPECTED)
    try:
        return parse_day(value)
    except TimeError as exc:
        raise invalid(exc.message, exc.expected) from None


Day = Annotated[date, BeforeValidator(_day)]
"""A calendar day written ``YYYY-MM-DD`` that exists (not ``2026-02-30``), its year
in :data:`sre_pipeline.inputs.instants.YEARS`."""


def check_datetime(value: object) -> str:
    """An ISO 8601 date or date and time that exists, kept as written; else an
    :func:`invalid` error (for fields read as text, such as OpenSLO's ``startTime``)."""
    if not isinstance(value, str):
        raise invalid(f"{value!r} is not a date and time", INSTANT_EXPECTED)
    try:
        parse_datetime(value)
    except TimeError as exc:
        raise invalid(exc.message, exc.expected) from None
    return value


def check_time_zone(name: str) -> str:
    """An IANA time zone name, or an :func:`invalid` error saying what is expected."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid(f"unknown time zone '{name}'", "an IANA zone such as Europe/Berlin") from None
    return name


_EXPECTED = {
    "missing": "this field (it is required)",
    "string_type": "a string",
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "list_type": "a list",
    "too_short": "at least one item",
    "finite_number": "a finite number",
    "string_pattern_mismatch": "letters, digits, '_', '.' or '-', starting with a letter or digit",
    "greater_than": "a positive number",
}


def _members(tp) -> list:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _members(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(tp) for m in _members(a)]
    return [tp]


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The input model class found by following ``loc`` from ``model``, if any."""
    current: list = [model]
    for part in loc:
        nxt: list = []
        for tp in (m for c in current for m in _members(c)):
            origin = typing.get_origin(tp)
            if isinstance(part, int) and origin in (list, tuple):
                nxt.append(typing.get_args(tp)[0])
            elif origin is dict:
                nxt.append(typing.get_args(tp)[1])
            elif isinstance(tp, type) and issubclass(tp, BaseModel):
                for name, info in tp.model_fields.items():
                    if part in (name, info.alias):
                        nxt.append(info.annotation)
        current = nxt
    for tp in (m for c in current for m in _members(c)):
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            return tp
    return None


def _keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


@dataclass
class DocContext:
    """Problems collected for one document, with helpers that fill in file, index and line."""

    doc: Document
    problems: list[Problem] = field(default_factory=list)

    def problem(self, path: tuple, message: str, expected: str | None = None, *, warning=False):
        """Record a problem at a field path (a tuple of keys and indexes)."""
        self.problems.append(
            Problem(
                self.doc.file,
                self.doc.index,
                format_path(self.doc.prefix + tuple(path)),
                message,
                expected,
                self.doc.line_of(path),
                "warning" if warning else "error",
            )
        )

    def validate(self, model: type[BaseModel], data: object, prefix: tuple = ()):
        """Validate ``data`` (found at ``prefix``) against ``model``; ``None`` on errors."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                loc = tuple(err["loc"])
                self._from_pydantic(model, prefix, loc, err)
            return None

    def _from_pydantic(self, model, prefix: tuple, loc: tuple, err: dict) -> None:
        kind = err["type"]
        ctx = err.get("ctx") or {}
        if kind == "extra_forbidden":
            parent = _model_at(model, loc[:-1])
            allowed = _keys(parent) if parent else []
            hint = did_you_mean(loc[-1], allowed)
            self.problem(
                prefix + loc,
                f"unknown key '{loc[-1]}'{hint}",
                "one of: " + ", ".join(allowed) if allowed else None,
            )
            return
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        expected = ctx.get("expected") or _EXPECTED.get(kind)
        if kind == "string_pattern_mismatch":
            message = f"'{err.get('input')}' is not a valid name"
        elif kind == "literal_error":
            message = f"'{err.get('input')}' is not allowed"
        elif kind not in ("spec", "value_error", "missing"):
            message = f"{message} (got {err.get('input')!r})"
        elif kind == "missing":
            message = "required field is missing"
        self.problem(prefix + loc, message, expected)
