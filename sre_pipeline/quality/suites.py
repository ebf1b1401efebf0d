"""Data-quality suites for the warehouse frames: SLI events, capacity samples, incidents and
action items (docs/quality.md).

Row properties run as Great Expectations expectations (via :mod:`.gx_runner`); what GX cannot
express per column is first derived here as a column (a boolean such as "bucket aligned",
then ``ExpectColumnValuesToBeInSet([True])``) so GX still reports counts and sample rows.
Per-series properties (coverage, freshness) are computed in pandas as ``custom`` outcomes.
Severity ``error`` means publishing must stop; ``warn`` is advisory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from sre_pipeline.capacity.status import state_of
from sre_pipeline.incidents.model import ACTION_ITEM_STATUSES, SEVERITIES
from sre_pipeline.quality.gx_runner import (
    ERROR,
    SAMPLES,
    WARN,
    Outcome,
    Spec,
    SuiteResult,
    json_safe,
    run_suite,
)
from sre_pipeline.warehouse.schema import capacity_status

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_TRUE = [True]
GRID_CELLS = 50_000_000  # key x stamp cells marked in memory (50 MB) before hashing instead


def _known(column: str, name: str, parameter: str) -> Spec:
    """ERROR: every value of ``column`` is in the set passed as ``parameter`` at run time."""
    return Spec(
        name,
        ERROR,
        "ExpectColumnValuesToBeInSet",
        {"column": column, "value_set": {"$PARAMETER": parameter}},
    )


def _not_null(col: str) -> Spec:
    return Spec(f"{col} not null", ERROR, "ExpectColumnValuesToNotBeNull", {"column": col})


def _flag(name: str, col: str, severity: str = ERROR) -> Spec:
    return Spec(name, severity, "ExpectColumnValuesToBeInSet", {"column": col, "value_set": _TRUE})


def _frame(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``frame`` with at least ``columns`` (missing ones added as nulls), index reset."""
    frame = frame.reset_index(drop=True)
    missing = [c for c in columns if c not in frame.columns]
    return frame.assign(**{c: None for c in missing}) if missing else frame


def _utc(values: pd.Series) -> pd.Series:
    """``values`` as tz-aware UTC datetimes (naive ones are taken as UTC; bad ones NaT)."""
    if not isinstance(values.dtype, pd.DatetimeTZDtype):
        values = pd.to_datetime(values, utc=True, errors="coerce")
    return values.dt.tz_convert("UTC")


def _flag_column(ok: pd.Series, present: pd.Series) -> pd.Series:
    """Boolean flags as an object column, None where the checked value is absent (skipped)."""
    out = pd.Series(ok.to_numpy(dtype=bool), dtype=object, index=ok.index)
    out[~present.to_numpy(dtype=bool)] = None
    return out


def settled_end(
    day_end: pd.Timestamp, now: pd.Timestamp, freshness: timedelta, step_seconds: int = 1
) -> pd.Timestamp:
    """Where coverage of a day stops being judged: its end, or for today ``now - freshness``
    floored to the step. The newest minutes belong to the freshness check; counting them
    would call every day still in progress partial."""
    settled = (pd.Timestamp(now) - pd.Timedelta(freshness)).floor(f"{step_seconds}s")
    return min(pd.Timestamp(day_end), settled)


def coverage_table(
    keys: pd.Series, stamps: pd.Series, window: tuple, steps: Mapping[str, int]
) -> pd.DataFrame:
    """Per series of ``steps`` (id -> step seconds): distinct stamps inside ``window`` (present),
    how many the window holds at that step (expected) and their ratio (coverage), worst first.
    Series without a single row count as 0; an empty window yields no rows."""
    start, end = window
    stamps = _utc(stamps)
    inside = (stamps.notna() & (stamps >= start) & (stamps < end)).to_numpy()
    counts = _distinct_per_key(keys[inside], stamps[inside])
    seconds = max((end - start).total_seconds(), 0.0)
    rows = []
    for series, step in steps.items():
        want = int(np.ceil(seconds / step))
        if want > 0:
            have = int(counts.get(series, 0))
            rows.append((series, have, want, have / want))
    table = pd.DataFrame(rows, columns=["series", "present", "expected", "coverage"])
    return table.sort_values(["coverage", "series"], ignore_index=True)


def _distinct_per_key(keys: pd.Series, stamps: pd.Series) -> dict:
    """Distinct non-null stamps of each non-null key, by key: the (key, stamp) pairs as integer
    codes, marked on a key x stamp grid (or hashed when that grid would be large). A 14-day
    chunk's 2 million events take 0.15 s; pandas' drop_duplicates and groupby took 1.5 s."""
    if isinstance(keys.dtype, pd.CategoricalDtype):  # codes already: -1 for a null
        key_codes, key_values = keys.cat.codes.to_numpy(), keys.cat.categories.astype(object)
    else:
        key_codes, key_values = pd.factorize(keys.astype(object))
    times = stamps.array.asi8 if hasattr(stamps.array, "asi8") else stamps.to_numpy()
    stamp_codes, stamp_values = pd.factorize(times)  # NaT: the minimum int64, kept out below
    known = (key_codes >= 0) & (stamp_codes >= 0) & stamps.notna().to_numpy()
    width = max(len(stamp_values), 1)
    pairs = key_codes[known].astype(np.int64) * width + stamp_codes[known]
    if len(key_values) * width <= GRID_CELLS:
        grid = np.zeros(len(key_values) * width, dtype=bool)
        grid[pairs] = True
        per_key = grid.reshape(len(key_values), width).sum(axis=1)
    else:
        per_key = np.bincount(pd.unique(pairs) // width, minlength=len(key_values))
    return {key: int(n) for key, n in zip(key_values, per_key, strict=True)}


def _coverage(
    name: str,
    key: str,
    keys: pd.Series,
    stamps: pd.Series,
    window: tuple,
    steps: Mapping,
    threshold: float,
    table: pd.DataFrame | None = None,
) -> Outcome:
    """Per series: distinct stamps in ``window`` / the number its step fits; WARN if too low.
    ``table``: that :func:`coverage_table`, when the caller has computed it already."""
    if table is None:
        table = coverage_table(keys, stamps, window, steps)
    bad = table[table["coverage"] < threshold]
    samples = [
        {
            key: r.series,
            "coverage": round(r.coverage, 4),
            "present": r.present,
            "expected": r.expected,
        }
        for r in bad.itertuples()
    ]
    pct = 100.0 * len(bad) / len(table) if len(table) else None
    return Outcome(name, "custom", WARN, bad.empty, len(bad), pct, samples[:SAMPLES])


EVENT_FIELDS = ["slo", "bucket_start", "good", "total"]


@dataclass(frozen=True)
class RowsRequest:
    """What the events suite asks GX to validate: ``checked`` (the frame's columns and the
    derived flags) against ``specs`` with ``parameters``."""

    name: str
    specs: list[Spec]
    checked: pd.DataFrame
    parameters: dict


def events_rows(frame: pd.DataFrame, known_slos: Sequence[str], bucket_seconds: int) -> RowsRequest:
    """The row expectations of :func:`events_suite` over ``frame`` (its GX request): also sent
    ahead to the GX worker by a collection before it writes (:func:`gx_worker.prefetch`), so
    the check finds the validation done."""
    frame = _frame(frame, EVENT_FIELDS)
    stamps = _utc(frame["bucket_start"])
    present = stamps.notna()
    offset = (stamps - pd.Timestamp(0, tz="UTC")) % pd.Timedelta(seconds=bucket_seconds)
    aligned = _flag_column(offset == pd.Timedelta(0), present)
    checked = pd.DataFrame(
        {
            # a categorical validates the same, much faster: GX's null and set checks on
            # millions of object strings dominate a back-fill chunk's check otherwise
            "slo": frame["slo"].astype("category"),
            "bucket_start": frame["bucket_start"],
            "good": frame["good"],
            "total": frame["total"],
            "bucket_aligned": aligned,
        }
    )
    specs = [
        _known("slo", "slo known to the catalog", "known_slos"),
        *(_not_null(c) for c in ("slo", "bucket_start", "good", "total")),
        Spec(
            "good >= 0", ERROR, "ExpectColumnValuesToBeBetween", {"column": "good", "min_value": 0}
        ),
        Spec(
            "total >= 0",
            ERROR,
            "ExpectColumnValuesToBeBetween",
            {"column": "total", "min_value": 0},
        ),
        Spec(
            "good <= total",
            ERROR,
            "ExpectColumnPairValuesAToBeGreaterThanB",
            {
                "column_A": "total",
                "column_B": "good",
                "or_equal": True,
                "ignore_row_if": "either_value_is_missing",
            },
        ),
        _flag("bucket_start aligned to the bucket width", "bucket_aligned"),
        Spec(
            "no duplicate (slo, bucket)",
            ERROR,
            "ExpectCompoundColumnsToBeUnique",
            {"column_list": ["slo", "bucket_start"]},
        ),
    ]

    return RowsRequest("sli_events", specs, checked, {"known_slos": list(known_slos)})


def events_suite(
    frame: pd.DataFrame,
    known_slos: Sequence[str],
    bucket_seconds: int,
    day_start: pd.Timestamp,
    day_end: pd.Timestamp,
    now: pd.Timestamp,
    coverage_threshold: float = 0.95,
    freshness: timedelta = timedelta(minutes=30),
    validate_rows: bool = True,
    coverage: pd.DataFrame | None = None,
) -> SuiteResult:
    """Check one day of SLI events (columns ``slo, bucket_start, good, total``); ``coverage``
    is the events' :func:`coverage_table` over the settled day when the caller has it.

    ERROR: unknown SLO ids, nulls, negative counts, ``good > total``, buckets not aligned to
    ``bucket_seconds``, duplicate ``(slo, bucket_start)``. WARN: per-SLO coverage over
    ``[day_start, settled_end(...))`` below ``coverage_threshold`` (known SLOs without rows
    count as 0), and, for today's partition only (``now < day_end``), a newest bucket older than
    ``freshness``.
    """
    frame = _frame(frame, EVENT_FIELDS)
    stamps = _utc(frame["bucket_start"])
    present = stamps.notna()
    rows = events_rows(frame, known_slos, bucket_seconds)

    def custom() -> list[Outcome]:
        day_start_utc = pd.Timestamp(day_start)
        end = settled_end(day_end, now, freshness, bucket_seconds)
        name = f"coverage per SLO >= {coverage_threshold:.0%}"
        steps = dict.fromkeys(known_slos, bucket_seconds)
        out = [
            _coverage(
                name,
                "slo",
                frame["slo"],
                stamps,
                (day_start_utc, end),
                steps,
                coverage_threshold,
                coverage,
            )
        ]
        ok, samples = True, []
        if now < day_end and now - freshness > day_start_utc:
            newest = stamps.max() if present.any() else None
            reached = None if newest is None else newest + pd.Timedelta(seconds=bucket_seconds)
            ok = reached is not None and reached >= now - freshness
            if not ok:
                lag = None if reached is None else round((now - reached).total_seconds() / 60, 1)
                samples = [
                    {
                        "newest_bucket_start": json_safe(newest),
                        "now": json_safe(now),
                        "lag_minutes": lag,
                    }
                ]
        name = f"fresh: newest bucket within {freshness.total_seconds() / 60:g} min"
        out.append(Outcome(name, "custom", WARN, ok, 0 if ok else 1, None, samples))
        return out

    return run_suite(
        rows.name, frame, rows.checked, rows.specs, rows.parameters, custom, EVENT_FIELDS,
        validate_rows,
    )  # fmt: skip


def capacity_suite(
    frame: pd.DataFrame,
    steps: Mapping[str, int],
    day_start: pd.Timestamp,
    day_end: pd.Timestamp,
    now: pd.Timestamp,
    coverage_threshold: float = 0.95,
    freshness: timedelta = timedelta(minutes=30),
    validate_rows: bool = True,
) -> SuiteResult:
    """Check capacity samples (columns ``resource, ts, utilisation, capacity``).

    ERROR: unknown resources (not in ``steps``, resource -> sample step in seconds), nulls,
    utilisation outside ``[0, 1]`` (except over-commit: ``utilisation > 1`` on a row that has a
    capacity series, reported as a separate WARN), duplicate ``(resource, ts)``. WARN: coverage
    per resource over ``[day_start, min(day_end, now - freshness))`` below
    ``coverage_threshold``.
    """
    frame = _frame(frame, ["resource", "ts", "utilisation", "capacity"])
    util = pd.to_numeric(frame["utilisation"], errors="coerce")
    overcommit = (util > 1) & frame["capacity"].notna()
    checked = pd.DataFrame(
        {
            "resource": frame["resource"],
            "ts": frame["ts"],
            "utilisation": util,
            "utilisation_unless_overcommit": util.where(~overcommit, 1.0),
            "not_overcommitted": _flag_column(~overcommit, util.notna()),
        }
    )
    specs = [
        _known("resource", "resource known", "known_resources"),
        *(_not_null(c) for c in ("resource", "ts", "utilisation")),
        Spec(
            "utilisation within [0, 1]",
            ERROR,
            "ExpectColumnValuesToBeBetween",
            {"column": "utilisation_unless_overcommit", "min_value": 0, "max_value": 1},
        ),
        _flag("over-commit (utilisation > 1 with a capacity series)", "not_overcommitted", WARN),
        Spec(
            "no duplicate (resource, ts)",
            ERROR,
            "ExpectCompoundColumnsToBeUnique",
            {"column_list": ["resource", "ts"]},
        ),
    ]

    def custom() -> list[Outcome]:
        window = (pd.Timestamp(day_start), settled_end(day_end, now, freshness))
        name = f"coverage per resource >= {coverage_threshold:.0%}"
        stamps = _utc(frame["ts"])
        return [
            _coverage(
                name, "resource", frame["resource"], stamps, window, steps, coverage_threshold
            )
        ]

    return run_suite(
        "capacity_samples",
        frame,
        checked,
        specs,
        {"known_resources": list(steps)},
        custom,
        ["resource", "ts", "utilisation", "capacity"],
        validate_rows,
    )


_LEVELS = ("warn", "scale", "emergency")
_FIGURES = ("current_utilisation", "mean_utilisation", "p95_utilisation", "peak_utilisation")


def capacity_status_suite(
    frame: pd.DataFrame, thresholds: Mapping[str, Sequence[float]], validate_rows: bool = True
) -> SuiteResult:
    """Check capacity status rows (the warehouse table ``capacity_status``).

    All ERROR: known resources (``thresholds``: resource -> warn, scale, emergency), one row per
    resource and day, the state the peak and the resource's thresholds give, every figure
    present on a day with a state (no NaN where a person reads), a date for every forecast and
    a "since" for every "already above", and forecast dates after the status day.
    """

    frame = _frame(frame, [c.name for c in capacity_status.columns])
    day = pd.to_datetime(frame["day"])
    expected = [
        state_of(peak, thresholds[r]) if r in thresholds else None
        for r, peak in zip(frame["resource"], frame["peak_utilisation"], strict=True)
    ]
    state = frame["state"].where(frame["state"].notna(), None)
    consistent = pd.Series([a == b for a, b in zip(state, expected, strict=True)], frame.index)
    has_state = frame["state"].notna()
    figures = frame[list(_FIGURES) + ["headroom"]].notna().all(axis=1)
    dated = pd.Series(True, frame.index)
    after = pd.Series(True, frame.index)
    for level in _LEVELS:
        status = frame[f"{level}_status"]
        dated &= ~((status == "forecast") & frame[f"{level}_on"].isna())
        dated &= ~((status == "already above") & frame[f"{level}_since"].isna())
        for part in ("on", "earliest", "latest"):
            when = pd.to_datetime(frame[f"{level}_{part}"])
            after &= when.isna() | (when > day)
    checked = pd.DataFrame(
        {
            "resource": frame["resource"],
            "day": frame["day"],
            "state_consistent": consistent,
            "figures_present": figures | ~has_state,
            "forecasts_dated": dated,
            "forecasts_after_day": after,
        }
    )
    specs = [
        _known("resource", "resource known", "known_resources"),
        Spec(
            "one row per (resource, day)",
            ERROR,
            "ExpectCompoundColumnsToBeUnique",
            {"column_list": ["resource", "day"]},
        ),
        _flag("state consistent with the peak and the thresholds", "state_consistent"),
        _flag("figures present on a day with a state (no NaN)", "figures_present"),
        _flag("a date for every forecast, a since for every already above", "forecasts_dated"),
        _flag("forecast dates after the status day", "forecasts_after_day"),
    ]
    return run_suite(
        "capacity_status",
        frame,
        checked,
        specs,
        {"known_resources": list(thresholds)},
        None,
        ["resource", "day", "state", "peak_utilisation", "scale_status", "scale_on"],
        validate_rows,
    )


_STAMPS = ("started_at", "detected_at", "acknowledged_at", "resolved_at")


def _services(value: object) -> list | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return value if isinstance(value, list | tuple) else None


def incidents_suite(frame: pd.DataFrame, known_services: Sequence[str]) -> SuiteResult:
    """Check incidents (columns of the warehouse table ``incidents``).

    All ERROR: ``incident_id`` present and unique, ``started_at`` present, timestamps ordered
    ``started <= detected <= acknowledged <= resolved`` over the ones present, severity in
    SEV1..SEV3, every service (a list per row) in ``known_services``.
    """
    frame = _frame(frame, ["incident_id", "severity", "services", *_STAMPS])
    stamps = np.stack([_utc(frame[c]).to_numpy(dtype="datetime64[ns]") for c in _STAMPS], 1)
    ns = np.where(np.isnat(stamps), np.iinfo(np.int64).min, stamps.view(np.int64))
    ordered = (np.isnat(stamps) | (ns >= np.maximum.accumulate(ns, axis=1))).all(axis=1)
    known = set(known_services)
    lists = frame["services"].map(_services)
    services_ok = lists.map(lambda v: v is not None and all(s in known for s in v))
    checked = pd.DataFrame(
        {
            "incident_id": frame["incident_id"],
            "started_at": frame["started_at"],
            "severity": frame["severity"],
            "timestamps_ordered": pd.Series(ordered, dtype=object),
            "services_known": services_ok.astype(object),
        }
    )
    specs = [
        _not_null("incident_id"),
        Spec(
            "no duplicate incident_id",
            ERROR,
            "ExpectColumnValuesToBeUnique",
            {"column": "incident_id"},
        ),
        _not_null("started_at"),
        _flag(
            "started <= detected <= acknowledged <= resolved (where present)", "timestamps_ordered"
        ),
        Spec(
            "severity in SEV1..SEV3",
            ERROR,
            "ExpectColumnValuesToBeInSet",
            {"column": "severity", "value_set": list(SEVERITIES)},
        ),
        _flag("services known", "services_known"),
    ]
    return run_suite(
        "incidents",
        frame,
        checked,
        specs,
        {},
        None,
        ["incident_id", "severity", "services", *_STAMPS, "postmortem_ref"],
    )


def _real_date(value: object) -> bool:
    if isinstance(value, datetime | date):  # pd.Timestamp is a datetime
        return True
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            date.fromisoformat(value.strip()[:10])
            return True
        except ValueError:
            return False
    return False


def action_items_suite(frame: pd.DataFrame) -> SuiteResult:
    """Check action items (columns of the warehouse table ``action_items``).

    All ERROR: ``item_id`` present and unique, owner present and not blank, ``due_date``
    present and a real date (a date/datetime, or ISO ``YYYY-MM-DD`` text of a real day),
    status in :data:`ACTION_ITEM_STATUSES`.
    """
    frame = _frame(frame, ["item_id", "owner", "due_date", "status"])
    due = frame["due_date"]
    present = due.notna()
    checked = pd.DataFrame(
        {
            "item_id": frame["item_id"],
            "owner": frame["owner"],
            "owner_text": frame["owner"].map(lambda v: None if pd.isna(v) else str(v)),
            "due_date": due,
            "due_date_real": _flag_column(due.map(_real_date).astype(bool), present),
            "status": frame["status"],
        }
    )
    specs = [
        _not_null("item_id"),
        Spec("no duplicate item_id", ERROR, "ExpectColumnValuesToBeUnique", {"column": "item_id"}),
        _not_null("owner"),
        Spec(
            "owner not blank",
            ERROR,
            "ExpectColumnValuesToMatchRegex",
            {"column": "owner_text", "regex": r"\S"},
        ),
        _not_null("due_date"),
        _flag("due_date is a real date", "due_date_real"),
        Spec(
            "status in the allowed set",
            ERROR,
            "ExpectColumnValuesToBeInSet",
            {"column": "status", "value_set": list(ACTION_ITEM_STATUSES)},
        ),
    ]
    return run_suite(
        "action_items",
        frame,
        checked,
        specs,
        {},
        None,
        ["item_id", "incident_id", "title", "owner", "due_date", "status"],
    )


def status_suite(
    status: pd.DataFrame,
    events: pd.DataFrame,
    known_slos: Sequence[str],
    bucket_seconds: int,
    day_start: pd.Timestamp,
    day_end: pd.Timestamp,
    now: pd.Timestamp,
    coverage_threshold: float = 0.95,
    freshness: timedelta = timedelta(minutes=30),
    validate_rows: bool = True,
) -> SuiteResult:
    """Check one day of ``slo_status`` against the SLI events of that day.

    ERROR: the status day has no data at all (not a single bucket of any SLO: its status would
    be computed from nothing), status rows of unknown SLOs, several rows for one SLO.
    WARN: per-SLO coverage of the status day below ``coverage_threshold``; for a day that has
    ended, SLOs with data whose last bucket of the day was never collected (the day's end is
    missing, so the status misses it too).
    """
    status = _frame(status, ["slo", "day", "budget_remaining", "policy_tier"])
    events = _frame(events, ["slo", "bucket_start"])
    specs = [
        _known("slo", "slo known to the catalog", "known_slos"),
        _not_null("slo"),
        Spec(
            "one status row per SLO and day",
            ERROR,
            "ExpectCompoundColumnsToBeUnique",
            {"column_list": ["slo", "day"]},
        ),
    ]
    stamps = _utc(events["bucket_start"])
    width = pd.Timedelta(seconds=bucket_seconds)

    def custom() -> list[Outcome]:
        has_data = bool(stamps.notna().any())
        samples = [] if has_data else [{"day_start": json_safe(day_start), "buckets": 0}]
        out = [
            Outcome(
                "status day has data", "custom", ERROR, has_data, int(not has_data), None, samples
            )
        ]
        end = settled_end(day_end, now, freshness, bucket_seconds)
        name = f"coverage of the status day per SLO >= {coverage_threshold:.0%}"
        steps = dict.fromkeys(known_slos, bucket_seconds)
        out.append(
            _coverage(
                name,
                "slo",
                events["slo"],
                stamps,
                (pd.Timestamp(day_start), end),
                steps,
                coverage_threshold,
            )
        )
        if now >= day_end and has_data:
            seen = pd.DataFrame({"slo": events["slo"], "t": stamps})
            newest = seen.groupby("slo", observed=True)["t"].max()
            short = newest[newest + width < day_end]
            samples = [
                {
                    "slo": str(k),
                    "newest_bucket_start": json_safe(v),
                    "missing_minutes": round((day_end - v - width).total_seconds() / 60, 1),
                }
                for k, v in short.sort_values().items()
            ]
            out.append(
                Outcome(
                    "day complete: last bucket collected",
                    "custom",
                    WARN,
                    short.empty,
                    len(short),
                    None,
                    samples[:SAMPLES],
                )
            )
        return out

    return run_suite(
        "slo_status",
        status,
        status[["slo", "day"]],
        specs,
        {"known_slos": list(known_slos)},
        custom,
        ["slo", "day", "budget_remaining", "policy_tier"],
        validate_rows,
    )
