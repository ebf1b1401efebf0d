"""The Dagster layer: thin asset, check, job and resource definitions over the domain library,
built by one factory (:func:`build_defs`) from one configuration."""

from sre_pipeline.defs.factory import build_defs, preflight, resources_from_config
from sre_pipeline.defs.resources import (
    IncidentSource,
    PipelineSettings,
    PostmortemSource,
    PrometheusSLISource,
    SLISource,
    UnconfiguredSource,
    WarehouseResource,
)
from sre_pipeline.defs.runner import CodeLocation, LocalRunner

__all__ = [
    "CodeLocation",
    "IncidentSource",
    "LocalRunner",
    "PipelineSettings",
    "PostmortemSource",
    "PrometheusSLISource",
    "SLISource",
    "UnconfiguredSource",
    "WarehouseResource",
    "build_defs",
    "preflight",
    "resources_from_config",
]
