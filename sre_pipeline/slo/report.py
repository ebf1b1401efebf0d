"""Render a status frame for people (aligned table) and programs (JSON with fixed keys)."""

from __future__ import annotations

import json
import math

import pandas as pd

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
    return "-" if value is None or not math.isfinite(value) else f"{value * 100:.{digits}f}%"


def _fmt(value, fmt: str, unit: str = "") -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:{fmt}}{unit}"


def status_table(status: pd.DataFrame) -> str:
    """Aligned text table, worst budget first (undefined budgets last)."""
    order = status.assign(_k=status["budget_remaining"].fillna(float("inf"))).sort_values(
        ["_k", "slo"]
    )
    header = [
        "SLO", "objective", "period", "attainment", "budget left", "budget min", "burn 1h",
        "burn 6h", "burn 3d", "exhausted in", "tier", "coverage", "alerts",
    ]  # fmt: skip
    rows = [header]
    for r in order.itertuples(index=False):
        alerts = ",".join(
            f"{a['severity']}:{a['long_window']}/{a['short_window']}" for a in r.alerts
        )
        tte = r.time_to_exhaustion_hours
        rows.append(
            [
                r.slo,
                f"{r.objective * 100:.10g}%",
                r.period,
                _pct(r.attainment),
                _pct(r.budget_remaining, 1),
                _fmt(r.budget_remaining_minutes, ".1f", " min"),
                _fmt(r.burn_rate_1h, ".2f", "x"),
                _fmt(r.burn_rate_6h, ".2f", "x"),
                _fmt(r.burn_rate_3d, ".2f", "x"),
                _fmt(tte, ".1f", " h") + (f" ({r.escalation})" if r.escalation else ""),
                r.policy_tier or "-",
                _pct(r.coverage, 1),
                alerts or "-",
            ]
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    numeric = {1, 3, 4, 5, 6, 7, 8, 9, 11}
    lines = []
    for n, row in enumerate(rows):
        cells = [
            str(c).rjust(w) if i in numeric and n else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
