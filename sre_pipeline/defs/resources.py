"""Resources: where the pipeline reads its configuration."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

REPO_EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "slos"


class PipelineSettings(dg.ConfigurableResource):
    """SLO spec paths and options (``SRE_PIPELINE_SLOS`` overrides the example catalog,
    several paths separated by ``:``)."""

    slo_paths: list[str] = [str(REPO_EXAMPLES)]
    sloth_period_days: int = 30

    @classmethod
    def from_env(cls) -> PipelineSettings:
        """Settings from the environment, falling back to the shipped examples."""
        paths = os.environ.get("SRE_PIPELINE_SLOS")
        return cls(slo_paths=paths.split(os.pathsep)) if paths else cls()
