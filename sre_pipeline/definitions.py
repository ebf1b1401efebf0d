"""The code location: ``dagster dev -w workspace.yaml`` loads ``defs`` from here."""

from __future__ import annotations

import dagster as dg

from sre_pipeline.defs.catalog import slo_catalog
from sre_pipeline.defs.resources import PipelineSettings

defs = dg.Definitions(
    assets=[slo_catalog],
    resources={"settings": PipelineSettings.from_env()},
)
