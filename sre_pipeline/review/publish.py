"""A week's review from the warehouse to its folder: the inputs (stored catalog, data-quality
section), the content, the documents and the site (docs/review.md). The ``render`` command and
the ``weekly_review`` asset both call :func:`publish_week`, so a re-render from the warehouse
alone gives the file the schedule wrote.
"""

from __future__ import annotations

import fcntl
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sre_pipeline.review.content import ReviewError, ReviewInputs, build_review
from sre_pipeline.review.render import RenderedWeek, Renderer, thresholds
from sre_pipeline.slo.budget.daily import day_bounds
from sre_pipeline.warehouse.engine import pipeline_home
from sre_pipeline.warehouse.reads import stored_catalog


def reviews_root(config) -> Path:
    """``reviews_dir`` from the configuration, or ``$SRE_PIPELINE_HOME/reviews``. ``config``
    here and below: a ``PipelineConfig`` or the Dagster ``PipelineSettings`` (same fields)."""
    return Path(config.reviews_dir) if config.reviews_dir else pipeline_home() / "reviews"


def _templates(config) -> Path | None:
    if not config.review_templates:
        return None
    path = Path(config.review_templates)
    if not path.is_dir():
        where = getattr(config, "source", "sre_pipeline.yaml")
        raise ReviewError(
            f"{where}: review_templates: '{path}' is not a directory; expected a "
            "folder of templates named like the shipped ones (review.html.j2, ...)"
        )
    return path


def review_inputs(engine, config, week: date, today: date) -> ReviewInputs:
    """The stored catalog (as the week's status was computed with) and the week's
    data-quality section, run as of the week's end (settled) so two renders agree."""
    from sre_pipeline.quality.report import inputs_from_config, quality_report

    slos = stored_catalog(engine)
    if slos is None:
        raise ReviewError(
            "the SLO catalog is not materialised in the warehouse; expected a pipeline run "
            "(the weekly job or `sre-pipeline demo`) before a review"
        )
    days = [week + timedelta(days=n) for n in range(7)]
    report = quality_report(
        engine,
        inputs_from_config(config),
        days,
        # as of the week's end once its last buckets have settled: every day judged whole,
        # as its own check judged it after the day (so the results it kept fit)
        now=day_bounds(days[-1], config.time_zone)[1] + timedelta(minutes=config.freshness_minutes),
        keep=True,  # what it had to validate again is kept for the next review
    )
    return ReviewInputs(
        tuple(slos),
        config.time_zone,
        today,
        quality_markdown=report.markdown(),
        quality_summary=report.summary(),
        partial_slos=tuple(sorted(set(report.partial["slo"].astype(str)))),
    )


@dataclass(frozen=True)
class Published:
    """A rendered week: its content (the figures) and where it was written."""

    review: dict
    files: RenderedWeek
    root: Path


def publish_week(engine, config, week: date, root: Path | None = None) -> Published:
    """Build, render and write ``week`` into ``root`` (default :func:`reviews_root`) and
    refresh the site there. Overdue means overdue on the Monday after the week, when the
    review is due, so a later re-render says what the week's review said. Raises
    :class:`ReviewError` when the week cannot be reviewed; nothing is written then."""
    root = root or reviews_root(config)
    renderer = Renderer(_templates(config))
    inputs = review_inputs(engine, config, week, week + timedelta(days=7))
    review = build_review(engine, inputs, week)
    tiers = thresholds(inputs.slos)
    root.mkdir(parents=True, exist_ok=True)
    # two renders at once (a schedule tick and a person): one folder swap and site refresh at a
    # time, so neither finds the other's half-moved week
    with open(root / ".render.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        files = renderer.write_week(review, root, tiers)
        renderer.write_site(review, root, tiers)
    return Published(review, files, root)
