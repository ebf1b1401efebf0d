"""``sre-pipeline send-review``: mail a rendered week's review to its recipients, once each.

Recipients already sent to are skipped unless ``--resend``. Exit code 0 when every recipient
has it, 1 when a send failed (the others were sent; re-run to retry), 2 for unusable input
(no warehouse, a week not rendered, no recipient, an SMTP secret variable not set).
"""

from __future__ import annotations

import sys

from sre_pipeline.commands import UsageError
from sre_pipeline.commands.stored import chosen_week, existing_warehouse
from sre_pipeline.config import load_config
from sre_pipeline.inputs.instants import week_label
from sre_pipeline.review.content import ReviewError
from sre_pipeline.review.email import EmailError
from sre_pipeline.review.mailing import send_review

EXIT_FAILED = 1


def run(args) -> int:
    """Send the week and say who got it."""
    config = load_config()
    week = chosen_week(args.week, config.time_zone)
    engine = existing_warehouse(config.warehouse_url)
    try:
        report = send_review(engine, config, week, resend=args.resend)
    except (ReviewError, EmailError) as exc:
        raise UsageError(f"--week {week_label(week)}: {exc}") from None
    finally:
        engine.dispose()
    if report.halted:
        print(f"not sent {week_label(week)}: {report.halted}")
    for recipient in report.sent:
        print(f"sent {week_label(week)} to {recipient}")
    for recipient in report.skipped:
        print(f"skipped {recipient}: already sent (--resend sends it again)")
    for recipient, why in report.failed.items():
        print(f"error: {recipient}: {why}", file=sys.stderr)
    if report.failed:
        print("Re-run to retry the failed recipients; sent ones are skipped.", file=sys.stderr)
        return EXIT_FAILED
    return 0
