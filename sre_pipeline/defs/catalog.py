"""The ``slo_catalog`` asset: every SLO spec validated and listed.

No ``from __future__ import annotations`` here: Dagster inspects the real annotations.
"""

from datetime import timedelta

import dagster as dg

from sre_pipeline.defs.resources import PipelineSettings
from sre_pipeline.slo.loader import load_catalog
from sre_pipeline.slo.problems import SpecError


@dg.asset(group_name="slo", kinds={"python", "yaml"})
def slo_catalog(
    context: dg.AssetExecutionContext, settings: PipelineSettings
) -> dg.MaterializeResult:
    """All SLO specs (native, OpenSLO v1, Sloth) loaded into one validated catalog.

    Fails with every problem listed (file, line, field, expected value) when a spec is invalid,
    so nothing downstream computes with a half-read catalog.
    """
    try:
        catalog = load_catalog(settings.slo_paths, timedelta(days=settings.sloth_period_days))
    except SpecError as exc:
        raise dg.Failure(
            description=f"{len(exc.problems)} problem(s) in SLO specs",
            metadata={"problems": dg.MetadataValue.md("\n".join(f"- `{p}`" for p in exc.problems))},
        ) from None
    for warning in catalog.warnings:
        context.log.warning(str(warning))
    lines = ["| SLO | objective | period | SLI | format |", "|---|---|---|---|---|"]
    lines += [
        f"| {s.id} | {s.objective * 100:.10g}% | {s.period.label} | {s.sli.kind} "
        f"| {s.source.format} |"
        for s in catalog.slos
    ]
    formats = {
        f: sum(s.source.format == f for s in catalog.slos) for f in ("native", "openslo", "sloth")
    }
    return dg.MaterializeResult(
        metadata={
            "slo_count": len(catalog.slos),
            "services": len({s.service for s in catalog.slos}),
            "by_format": dg.MetadataValue.json(formats),
            "warnings": len(catalog.warnings),
            "catalog": dg.MetadataValue.md("\n".join(lines)),
        }
    )
