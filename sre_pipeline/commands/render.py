"""``sre-pipeline render``: re-render a week's review from the warehouse alone into
``DIR/<week>/`` (``review.md``, ``review.html``, ``review.txt``, charts) and refresh
``DIR/index.html`` and ``DIR/slos/``.

Exit code 0; 2 for unusable input: no warehouse, another schema version, a week without data,
a templates folder that is not there.
"""

from __future__ import annotations

from pathlib import Path

from sre_pipeline.commands import UsageError
from sre_pipeline.commands.stored import chosen_week, existing_warehouse
from sre_pipeline.config import load_config
from sre_pipeline.inputs.instants import week_label
from sre_pipeline.review.content import ReviewError
from sre_pipeline.review.publish import publish_week


def run(args) -> int:
    """Render the week and print where its files went."""
    config = load_config()
    week = chosen_week(args.week, config.time_zone)
    engine = existing_warehouse(config.warehouse_url)
    try:
        published = publish_week(
            engine, config, week, Path(args.output_dir) if args.output_dir else None
        )
    except ReviewError as exc:
        raise UsageError(f"--week {week_label(week)}: {exc}") from None
    finally:
        engine.dispose()
    s = published.review["summary"]
    files = published.files
    print(
        f"Review {published.review['week']}: {s['breached']} breached, {s['at_risk']} at risk, "
        f"{s['met']} met; {len(files.charts)} chart(s)"
    )
    for path in (files.markdown, files.html, files.text):
        print(f"  {path}")
    print(f"  {published.root / 'index.html'} (site: {published.root / 'slos'})")
    return 0
