"""Render a status frame for people (aligned table) and programs (JSON with fixed keys)."""

from __future__ import annotations

import json
import math
import textwrap

import pandas as pd

from sre_pipeline.text_tables import text_table

NO_DATA = "no data"
WIDTH = 120  # the terminal width the table and its notes fit

BURN_KEYS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "period"]
JSON_KEYS = [
    "slo",
    "objective",
    "period",
    "attainment",
    "budget_remaining",
    "budget_remaining_events",
    "budget_remaining_minutes",
    "burn_rates",
    "time_to_exhaustion_hours",
    "escalation",
    "policy_tier",
    "coverage",
    "alerts",
]


def _num(value) -> float | None:
    """JSON-safe number: NaN and infinities become null."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def status_records(status: pd.DataFrame) -> list[dict]:
    """One dict per SLO with exactly the documented JSON keys, in a stable order."""
    records = []
    for row in status.itertuples(index=False):
        records.append(
            {
                "slo": row.slo,
                "objective": _num(round(row.objective, 12)),
                "period": row.period,
                "attainment": _num(row.attainment),
                "budget_remaining": _num(row.budget_remaining),
                "budget_remaining_events": _num(row.budget_remaining_events),
                "budget_remaining_minutes": _num(row.budget_remaining_minutes),
                "burn_rates": {k: _num(getattr(row, f"burn_rate_{k}")) for k in BURN_KEYS},
                "time_to_exhaustion_hours": _num(row.time_to_exhaustion_hours),
                "escalation": row.escalation,
                "policy_tier": row.policy_tier,
                "coverage": _num(row.coverage),
                "alerts": [
                    {k: a[k] for k in ("severity", "long_window", "short_window", "factor")}
                    for a in row.alerts
                ],
            }
        )
    return records


def status_json(status: pd.DataFrame) -> str:
    """JSON text of :func:`status_records` (``allow_nan=False``: NaN can never leak out)."""
    return json.dumps(status_records(status), indent=2, allow_nan=False)


def _pct(value, digits=3) -> str:
    return NO_DATA if value is None or not math.isfinite(value) else f"{value * 100:.{digits}f}%"


def _fmt(value, fmt: str, unit: str = "") -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:{fmt}}{unit}"


def _runs_out(hours) -> str:
    """Time to exhaustion: hours under two days, days beyond; "-" when nothing burns."""
    if hours is None or not math.isfinite(hours):
        return "-"
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"


def _period(label: str) -> str:
    return label.replace("calendar-", "cal ")


def _wrap(text: str) -> str:
    return textwrap.fill(text, WIDTH, subsequent_indent="  ", break_on_hyphens=False)


def _alert(a: dict) -> str:
    return f"{a['severity']} {a['long_window']}/{a['short_window']}"


HEADER = ["SLO", "target", "period", "attained", "budget", "burn 1h", "runs out", "action", "tier"]


def status_table(status: pd.DataFrame) -> str:
    """Aligned text table (at most 120 columns for ids up to 40 characters), worst budget
    first (undefined budgets last), then the alerts firing and the SLOs on partial data."""
    order = status.assign(_k=status["budget_remaining"].fillna(float("inf"))).sort_values(
        ["_k", "slo"]
    )
    rows = [
        [
            r.slo,
            f"{r.objective * 100:.10g}%",
            _period(r.period),
            _pct(r.attainment),
            _pct(r.budget_remaining, 1),
            _fmt(r.burn_rate_1h, ".2f", "x"),
            _runs_out(r.time_to_exhaustion_hours),
            r.escalation or "-",
            r.policy_tier or NO_DATA,
        ]
        for r in order.itertuples(index=False)
    ]
    lines = [text_table(rows, HEADER, "lrlrrrrll")]
    records = list(order.itertuples(index=False))
    firing = [f"{r.slo} ({', '.join(_alert(a) for a in r.alerts)})" for r in records if r.alerts]
    partial = [
        f"{r.slo} {_pct(r.coverage, 1)}"
        for r in records
        if r.coverage is not None and math.isfinite(r.coverage) and r.coverage < 1
    ]
    lines.append("\n" + _wrap(f"Alerts firing: {'; '.join(firing) or 'none'}"))
    if partial:
        lines.append(_wrap(f"Partial data (coverage under 100 %): {', '.join(partial)}"))
    return "\n".join(lines)
