"""A thin wrapper around Great Expectations 1.x: run a suite on a pandas frame, get plain results.

This is the only module that imports ``great_expectations``, and it does so lazily (the import
costs seconds): nothing GX is touched until the first suite runs. One ephemeral context, one
pandas data source and one whole-dataframe batch definition are created per process; each
suite is built once per name (its expectations are static; what changes per call, such as the
known ids, is passed as suite parameters). Results are mapped to :class:`Outcome` /
:class:`SuiteResult`, which carry no GX types and are JSON-safe.
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from sre_pipeline.text_tables import markdown_table

ERROR = "error"
WARN = "warn"
SAMPLES = 5
OUTCOME_HEADER = ["Check", "Severity", "Result", "Unexpected", "%"]
_LOCK = threading.RLock()
_STATE: dict[str, Any] = {}


@dataclass(frozen=True)
class Outcome:
    """One checked property of a frame: an expectation's result (or a pandas-computed one)."""

    name: str
    expectation: str
    severity: str
    success: bool
    unexpected_count: int
    unexpected_percent: float | None
    samples: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class SuiteResult:
    """All outcomes of one suite on one frame."""

    suite: str
    rows: int
    outcomes: list[Outcome]
    seconds: float

    @property
    def errors(self) -> list[Outcome]:
        """Failed outcomes with severity ``error`` (these block publishing)."""
        return [o for o in self.outcomes if not o.success and o.severity == ERROR]

    @property
    def warnings(self) -> list[Outcome]:
        """Failed outcomes with severity ``warn`` (advisory)."""
        return [o for o in self.outcomes if not o.success and o.severity == WARN]

    @property
    def passed(self) -> bool:
        """True when no error-severity outcome failed."""
        return not self.errors

    def markdown(self) -> str:
        """A table of every outcome, then up to five sample rows of each failed one."""
        outcomes = [
            [
                o.name,
                o.severity,
                "ok" if o.success else "FAILED",
                f"{o.unexpected_count:,}",
                "" if o.unexpected_percent is None else f"{o.unexpected_percent:.2f}",
            ]
            for o in self.outcomes
        ]
        lines = [
            f"**{self.suite}**: {self.rows:,} rows, {len(self.errors)} error(s), "
            f"{len(self.warnings)} warning(s), {self.seconds:.2f} s",
            "",
            markdown_table(outcomes, OUTCOME_HEADER, "llcrr"),
        ]
        for o in self.outcomes:
            if o.success or not o.samples:
                continue
            cols = list(dict.fromkeys(k for s in o.samples for k in s))
            samples = [[_cell(s.get(c)) for c in cols] for s in o.samples]
            lines += ["", f"Samples for *{o.name}*:", "", markdown_table(samples, cols)]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Spec:
    """One GX expectation of a suite: ``kind`` is the class name in ``great_expectations.
    expectations`` and ``kwargs`` its arguments (``{"$PARAMETER": name}`` for per-call values).
    """

    name: str
    severity: str
    kind: str
    kwargs: Mapping[str, Any]


def _cell(value: Any) -> str:
    """A sample value as a Markdown cell: None empty, pipes escaped (sampled rows are data:
    a ``|`` in a title must not end the cell)."""
    return "" if value is None else str(value).replace("|", "\\|")


def json_safe(value: Any) -> Any:
    """``value`` as str / int / float / None (timestamps as ISO text, lists joined)."""
    if value is None:
        return None
    if isinstance(value, list | tuple | np.ndarray):
        return ", ".join(str(json_safe(v)) for v in value)
    if isinstance(value, pd.Timestamp | datetime | date):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def sample_rows(frame: pd.DataFrame, positions: Iterable[int], columns: Sequence[str]) -> list:
    """Up to :data:`SAMPLES` rows at ``positions`` of ``frame``, JSON-safe, ``columns`` only."""
    picked = list(positions)[:SAMPLES]
    cols = [c for c in columns if c in frame.columns]
    sub = frame.iloc[picked][cols]
    return [
        {c: json_safe(v) for c, v in zip(cols, row, strict=True)}
        for row in sub.itertuples(index=False)
    ]


def _gx() -> dict[str, Any]:
    """The process-wide GX objects, created on first use."""
    with _LOCK:
        if not _STATE:
            os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
            import great_expectations as gx
            import great_expectations.expectations as gxe
            from great_expectations.data_context.types.base import ProgressBarsConfig

            ctx = gx.get_context(mode="ephemeral")
            ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
            asset = ctx.data_sources.add_pandas("sre_pipeline_quality").add_dataframe_asset("frame")
            _STATE.update(
                gx=gx,
                gxe=gxe,
                ctx=ctx,
                batch_definition=asset.add_batch_definition_whole_dataframe("whole"),
                suites={},
            )
        return _STATE


def warm_up() -> None:
    """Import GX and build the context now (the first suite run otherwise pays for it)."""
    _gx()


def _suite(name: str, specs: Sequence[Spec]) -> Any:
    state = _gx()
    suite = state["suites"].get(name)
    if suite is None:
        gx, gxe = state["gx"], state["gxe"]
        suite = gx.ExpectationSuite(name=name)
        for spec in specs:
            meta = {"name": spec.name, "severity": spec.severity}
            suite.add_expectation(getattr(gxe, spec.kind)(**spec.kwargs, meta=meta))
        suite = state["ctx"].suites.add_or_update(suite)
        state["suites"][name] = suite
    return suite


def _type_name(kind: str) -> str:
    """GX's type name of an expectation class: ``ExpectColumnValuesToBeInSet`` ->
    ``expect_column_values_to_be_in_set``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower()


@dataclass(frozen=True)
class Checked:
    """GX's verdict on one spec, as plain values (it crosses to and from the GX worker)."""

    expectation: str  # GX's type name
    success: bool
    unexpected_count: int
    unexpected_percent: float | None
    positions: list[int]  # row positions of up to :data:`SAMPLES` unexpected rows


def validate(
    name: str, specs: Sequence[Spec], checked: pd.DataFrame, parameters: Mapping[str, Any]
) -> list[Checked]:
    """Validate ``checked`` (index 0..n-1) with the suite ``name`` of ``specs`` in this
    process; one :class:`Checked` per spec, in order. An expectation that raised is an error
    naming the suite and the spec."""
    with _LOCK:
        suite = _suite(name, specs)
        batch = _STATE["batch_definition"].get_batch(batch_parameters={"dataframe": checked})
        result = batch.validate(
            suite,
            expectation_parameters=dict(parameters),
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLES},
        )
    by_name = {r.expectation_config.meta["name"]: r for r in result.results}
    out = []
    for spec in specs:
        res = by_name[spec.name]
        if res.exception_info.get("raised_exception"):
            raise RuntimeError(f"{name}: {spec.name}: {res.exception_info['exception_message']}")
        info = res.result or {}
        positions = info.get("partial_unexpected_index_list") or []
        if positions and isinstance(positions[0], dict):  # pragma: no cover (index columns)
            positions = []
        out.append(
            Checked(
                expectation=res.expectation_config.type,
                success=bool(res.success),
                unexpected_count=int(info.get("unexpected_count") or 0),
                unexpected_percent=json_safe(info.get("unexpected_percent")),
                positions=[int(p) for p in positions],
            )
        )
    return out


def run_suite(
    name: str,
    frame: pd.DataFrame,
    checked: pd.DataFrame,
    specs: Sequence[Spec],
    parameters: Mapping[str, Any] | None = None,
    custom: Callable[[], list[Outcome]] | None = None,
    sample_columns: Sequence[str] | None = None,
    validate_rows: bool = True,
) -> SuiteResult:
    """Validate ``checked`` (``frame``'s columns plus derived ones, same row positions) with
    ``specs``; samples are taken from ``frame``. ``custom`` adds pandas-computed outcomes.

    ``validate_rows=False`` is for a slice of rows already validated as part of a larger
    batch that passed every spec (a multi-day run checks its days in one validation): a row
    property that holds for all rows holds for each slice, so the specs are reported as passed
    without validating again, and only ``custom`` (per-slice coverage, freshness) is computed.
    """
    started = time.perf_counter()
    if not validate_rows:
        passed = [Outcome(s.name, _type_name(s.kind), s.severity, True, 0, 0.0) for s in specs]
        outcomes = passed + (custom() if custom is not None else [])
        return SuiteResult(name, len(frame), outcomes, time.perf_counter() - started)
    from sre_pipeline.quality import gx_worker

    cols = list(sample_columns or frame.columns)
    rows = frame.reset_index(drop=True)
    checks = gx_worker.validate(name, specs, checked.reset_index(drop=True), parameters or {})
    outcomes = [
        Outcome(
            name=spec.name,
            expectation=c.expectation,
            severity=spec.severity,
            success=c.success,
            unexpected_count=c.unexpected_count,
            unexpected_percent=c.unexpected_percent,
            samples=sample_rows(rows, c.positions, cols) if not c.success else [],
        )
        for spec, c in zip(specs, checks, strict=True)
    ]
    if custom is not None:
        outcomes += custom()
    return SuiteResult(name, len(frame), outcomes, time.perf_counter() - started)
