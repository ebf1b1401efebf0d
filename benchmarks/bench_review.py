"""Review benchmark: render one week for 2,000 SLOs, site included.

    .venv/bin/python benchmarks/bench_review.py [--slos 2000] [--no-write]

The content of a week (what :func:`sre_pipeline.review.content.build_review` returns) is made
up for ``--slos`` SLOs: 30 days of burn-down, 12 weeks of attainment, a few alerts each, one in
ten needing attention, 40 incidents. Then ``Renderer.write_week`` (Markdown, HTML with CSS
inlined, text, the e-mail HTML, the week's charts) and ``Renderer.write_site`` (the index and
one page with two charts per SLO) into a temporary folder.

Target (issue 14): under 60 s.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from perfdoc import write_section  # noqa: E402 - benchmarks/ is on sys.path when run

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sre_pipeline.review.render import Renderer  # noqa: E402

HEADING = "## Review: one week rendered for 2,000 SLOs, site included (issue 14)"
WEEK = date(2026, 11, 16)
TARGET_S = 60.0
TIERS = [("full_velocity", 0.75), ("normal", 0.5), ("slow_down", 0.25), ("feature_freeze", 0.1)]


def review(n: int, seed: int = 16) -> dict:
    rng = np.random.default_rng(seed)
    slos = []
    for i in range(n):
        start = rng.uniform(0.3, 1.0)
        slope = rng.uniform(0.0, 0.03)
        burn = [
            {
                "day": (WEEK - timedelta(days=29 - d)).isoformat(),
                "budget_remaining": start - slope * d,
            }
            for d in range(30)
        ]
        remaining = burn[-1]["budget_remaining"]
        state = "breached" if remaining <= 0 else "at_risk" if remaining < 0.25 else "met"
        slos.append(
            {
                "slo": f"svc{i // 5:04d}-slo{i % 5}",
                "service": f"svc{i // 5:04d}",
                "name": f"slo{i % 5}",
                "description": "Requests served without a 5xx",
                "owner": "owner@example.com",
                "team": f"team{i % 40}",
                "objective": 0.999,
                "period": "30d",
                "aspirational": False,
                "state": state,
                "tier": "normal",
                "tier_action": "normal operations",
                "needs_decision": state != "met",
                "attainment_week": 0.9995,
                "attainment_period": 0.9993,
                "attainment_delta": -0.0001,
                "budget_remaining": remaining,
                "budget_remaining_delta": -0.05,
                "budget_remaining_events": 1234.0,
                "budget_remaining_minutes": 20.0,
                "time_to_exhaustion_hours": 300.0,
                "spent_this_week": 0.1,
                "coverage": 1.0,
                "partial_data": False,
                "page_days": int(i % 10 == 0),
                "alerts": [
                    {
                        "severity": "page",
                        "windows": "1h/5m",
                        "start": "2026-11-18T10:00:00+00:00",
                        "end": "2026-11-18T11:00:00+00:00",
                        "still_firing": False,
                        "minutes_in_week": 60.0,
                        "peak_burn_rate": 20.0,
                    }
                ]
                if i % 10 == 0
                else [],
                "burn_down": burn,
                "weekly_attainment": [
                    {
                        "week_start": (WEEK - timedelta(weeks=11 - w)).isoformat(),
                        "attainment": float(rng.uniform(0.998, 1.0)),
                    }
                    for w in range(12)
                ],
            }
        )
    incidents = [
        {
            "incident_id": f"INC-{k}",
            "title": f"incident {k}",
            "severity": "SEV2",
            "cause": "deployment",
            "started_at": "2026-11-18T10:00:00+00:00",
            "resolved_at": "2026-11-18T11:00:00+00:00",
            "services": [f"svc{k:04d}"],
            "worst_slo": f"svc{k:04d}-slo0",
            "budget_share": 0.1,
            "four_week_share": 0.1,
            "bad_events": 100.0,
            "downtime_minutes": 4.0,
            "span_coverage": 1.0,
            "mttd_minutes": 5.0,
            "mtta_minutes": 3.0,
            "mttr_minutes": 60.0,
            "postmortem_status": "final",
            "action_items": 2,
            "open_items": 1,
            "overdue_items": 0,
            "needs_p0_postmortem": False,
            "detection_gap": False,
        }
        for k in range(40)
    ]
    return {
        "week": "2026-W47",
        "week_start": WEEK.isoformat(),
        "week_end": (WEEK + timedelta(days=6)).isoformat(),
        "time_zone": "UTC",
        "summary": {
            "slos": n,
            "aspirational": 0,
            "breached": sum(s["state"] == "breached" for s in slos),
            "at_risk": sum(s["state"] == "at_risk" for s in slos),
            "met": sum(s["state"] == "met" for s in slos),
            "no_data": 0,
            "tiers": {"normal": n},
            "top_burners": [{"slo": s["slo"], "spent_this_week": 0.1} for s in slos[:5]],
            "decisions": [],
        },
        "slos": slos,
        "incidents": {
            "attributed": True,
            "rows": incidents,
            "by_cause": [{"cause": "deployment", "budget_share": 4.0}],
            "slo_impacts": 40,
            "mttd_minutes": 5.0,
            "mttr_minutes": 60.0,
            "unexplained_episodes": [],
        },
        "action_items": {
            "total": 80,
            "new": 10,
            "completed": 5,
            "open": 30,
            "overdue": 3,
            "overdue_by_owner": [],
            "overdue_by_team": [],
            "overdue_items": [],
            "trend": [{"week_start": "2026-11-16", "created": 10, "completed": 5, "open": 30}],
        },
        "capacity": {"day": "2026-11-22", "resources": 0, "shown": []},
        "quality": {"summary": "ok", "markdown": None, "partial_slos": []},
        "hints": [],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slos", type=int, default=2000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    content = review(args.slos)
    tiers = {s["slo"]: TIERS for s in content["slos"]}
    renderer = Renderer()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        files = renderer.write_week(content, root, tiers)
        t_week = time.perf_counter() - t0
        t0 = time.perf_counter()
        renderer.write_site(content, root, tiers)
        t_site = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6
        pages = len(list((root / "slos").glob("*.html")))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = t_week + t_site
    verdict = "PASS" if total < TARGET_S else "FAIL"
    text = "\n".join(
        [
            HEADING,
            "",
            f"`benchmarks/bench_review.py` (see its docstring): {args.slos:,} SLOs, "
            f"{len(files.charts)} charts in the week's document, {pages:,} SLO pages with two "
            f"charts each, {size:.0f} MB written.",
            "",
            "| step | seconds |",
            "|---|---:|",
            f"| the week: Markdown, HTML (CSS inlined), text, e-mail HTML, charts | {t_week:.1f} |",
            f"| the site: index and one page per SLO | {t_site:.1f} |",
            f"| total | **{total:.1f}** |",
            "",
            f"Peak RSS {rss:,.0f} MB. Target {TARGET_S:.0f} s: {verdict}.",
        ]
    )
    print(text)
    if not args.no_write:
        write_section(HEADING, text + "\n")


if __name__ == "__main__":
    main()
