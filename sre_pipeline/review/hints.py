"""SLO tuning hints from history, the workbook's decision matrix (docs/review.md): each hint
names the SLO, what the history shows and the question it raises. The review only asks; the
team decides.

- **Too loose?** Met with at least :data:`LOOSE_REMAINING` of the budget left at the end of each
  of the last :data:`LOOSE_WEEKS` weeks: users may expect more than the objective promises, or
  the budget could buy faster releases.
- **Missed week after week:** the budget spent (remaining <= 0) at the end of each of the last
  :data:`MISSED_WEEKS` weeks: reliability work, or a target the service cannot meet?
- **Alerts without user impact:** page alerts this week that no declared incident explains:
  noisy alerts (tune the windows), or incidents nobody wrote up?
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

LOOSE_WEEKS = 8
LOOSE_REMAINING = 0.9
MISSED_WEEKS = 3


def _known(v) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def tuning_hints(
    history: pd.DataFrame, sections: list[dict], unexplained: list[dict], week: date
) -> list[dict]:
    """Hints for the week (see the module docstring). ``history``: the weekly summary mart's
    rows of the weeks up to ``week`` (``slo``, ``week_start``, ``budget_remaining``)."""
    out = []
    promised = {s["slo"] for s in sections if not s["aspirational"]}
    for slo, rows in history.sort_values("week_start").groupby("slo"):
        if slo not in promised:
            continue
        rows = rows[rows["week_start"] <= week]
        if rows.empty or rows["week_start"].iloc[-1] != week:
            continue
        remaining = [r for r in rows["budget_remaining"] if _known(r)]
        last = remaining[-LOOSE_WEEKS:]
        if len(last) == LOOSE_WEEKS and min(last) >= LOOSE_REMAINING:
            out.append(
                {
                    "slo": slo,
                    "kind": "too_loose",
                    "question": "is the objective looser than users need?",
                    "evidence": f"met with at least {min(last):.0%} of the budget left at the "
                    f"end of each of the last {LOOSE_WEEKS} weeks",
                }
            )
        missed = remaining[-MISSED_WEEKS:]
        if len(missed) == MISSED_WEEKS and max(missed) <= 0:
            out.append(
                {
                    "slo": slo,
                    "kind": "missed",
                    "question": "reliability work, or a target the service cannot meet?",
                    "evidence": f"budget spent at the end of each of the last {MISSED_WEEKS} "
                    f"weeks (now {remaining[-1]:.0%} left)",
                }
            )
    pages: dict[str, int] = {}
    for episode in unexplained:
        if episode["severity"] == "page" and episode["slo"] in promised:
            pages[episode["slo"]] = pages.get(episode["slo"], 0) + 1
    for slo, n in sorted(pages.items()):
        out.append(
            {
                "slo": slo,
                "kind": "alerts_without_impact",
                "question": "noisy alert windows, or an incident nobody wrote up?",
                "evidence": f"{n} page alert episode(s) this week with no declared incident",
            }
        )
    return sorted(out, key=lambda h: (h["kind"], h["slo"]))
