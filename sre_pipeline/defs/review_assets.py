"""The weekly reliability review as an asset: a week's documents, charts and site pages
written from the warehouse (:mod:`sre_pipeline.review.publish`), and a row in ``review_runs``.

No ``from __future__ import annotations``: Dagster reads the real annotations.
"""

import hashlib
from datetime import timedelta
from types import SimpleNamespace

import dagster as dg
import pandas as pd

from sre_pipeline.defs.metadata import table_metadata
from sre_pipeline.defs.partitions import Partitioning, week_of
from sre_pipeline.defs.resources import MailResource, PipelineSettings, WarehouseResource
from sre_pipeline.review.content import ReviewError
from sre_pipeline.review.email import EmailError
from sre_pipeline.review.mailing import send_review
from sre_pipeline.review.publish import publish_week
from sre_pipeline.slo.budget.daily import week_bounds
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.models import discover
from sre_pipeline.warehouse.writes import Slice, replace_slice

UPSTREAM = ["slo_status", "burn_alerts", "capacity_status", "incident_budget", "incident_alerts"]


def review_row(published, time_zone: str) -> dict:
    """The ``review_runs`` row of a rendered week: its files, the figures the index lists and
    a digest of its Markdown. ``generated_at`` is the instant its figures are as of (the
    week's end), so re-rendering a week leaves the row as it was."""
    review, files = published.review, published.files
    week = pd.Timestamp(review["week_start"]).date()
    digest = hashlib.sha256(files.markdown.read_bytes()).hexdigest()
    s = review["summary"]
    return {
        "week_start": week,
        "generated_at": week_bounds(week, time_zone)[1].to_pydatetime(),
        "status": "rendered",
        "markdown_path": str(files.markdown),
        "html_path": str(files.html),
        "summary": {
            "week": review["week"],
            **{k: s[k] for k in ("slos", "breached", "at_risk", "met", "no_data")},
            "decisions": [d["slo"] for d in s["decisions"]],
            "incidents": len(review["incidents"]["rows"]),
            "markdown_sha256": digest,
        },
    }


def _weekly_review(
    context: dg.AssetExecutionContext, settings: PipelineSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """The week's review: ``review.md``, ``review.html`` (e-mail safe), ``review.txt`` and
    charts under the reviews folder, ``index.html`` and the SLO pages refreshed. A week
    without status fails and writes nothing."""
    engine = warehouse.engine()
    week = week_of(context)
    try:
        published = publish_week(engine, settings, week)
    except ReviewError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    row = review_row(published, settings.time_zone)
    frame = pd.DataFrame([row])
    replace_slice(engine, tables.review_runs, frame, Slice("week_start", week, week + timedelta(7)))
    s = published.review["summary"]
    decisions = "\n".join(
        f"- **{d['slo']}**: {d['tier'].replace('_', ' ')}, {d['budget_remaining']:.1%} left"
        for d in s["decisions"]
        if d["budget_remaining"] is not None
    )
    return dg.MaterializeResult(
        metadata={
            "week": published.review["week"],
            "breached": s["breached"],
            "at_risk": s["at_risk"],
            "met": s["met"],
            "decisions": dg.MetadataValue.md(decisions or "none"),
            "markdown": dg.MetadataValue.path(str(published.files.markdown)),
            "html": dg.MetadataValue.path(str(published.files.html)),
            "charts": len(published.files.charts),
            "markdown_sha256": row["summary"]["markdown_sha256"],
        }
    )


def _review_email(
    context: dg.AssetExecutionContext,
    settings: PipelineSettings,
    mail: MailResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    """The week's review mailed to the global list and every SLO team with an address, once
    per recipient: already sent recipients are skipped, every send and failure is in
    ``outbound_audit``. A failed send fails the run (the review stays published) and the
    next attempt sends only to those still unsent."""
    engine = warehouse.engine()
    week = week_of(context)
    config = SimpleNamespace(
        email=mail.email(),
        reviews_dir=settings.reviews_dir,
        emergency_stop_file=settings.emergency_stop_file,
    )
    try:
        report = send_review(engine, config, week)
    except (ReviewError, EmailError) as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    metadata = {
        "sent": report.sent,
        "skipped_already_sent": report.skipped,
        "failed": dg.MetadataValue.json(report.failed),
        "transport": config.email.transport,
        "halted": report.halted or "no",
    }
    if report.halted:
        context.log.warning(f"review not mailed: {report.halted}")
    if report.failed:
        first = next(iter(report.failed.items()))
        raise dg.Failure(
            description=f"{len(report.failed)} recipient(s) not sent, e.g. {first[0]}: "
            f"{first[1]}; re-run the step to retry them (sent ones are skipped)",
            metadata=metadata,
        )
    return dg.MaterializeResult(metadata=metadata)


def review_assets(parts: Partitioning) -> list[dg.AssetsDefinition]:
    """``weekly_review``, after the week's status, incidents and the SQL models; then
    ``review_email``."""
    review = dg.asset(
        name="weekly_review",
        partitions_def=parts.weekly,
        group_name="review",
        kinds={"html", "markdown"},
        deps=[*UPSTREAM, *discover().order()],
        metadata=table_metadata(tables.review_runs),
    )(_weekly_review)
    email = dg.asset(
        name="review_email",
        partitions_def=parts.weekly,
        group_name="review",
        kinds={"email"},
        deps=["weekly_review"],
        metadata={"dagster/table_name": "warehouse.outbound_audit"},
    )(_review_email)
    return [review, email]
