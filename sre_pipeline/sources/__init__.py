"""Where SLI counts and capacity samples come from: the Prometheus HTTP API (Thanos, Mimir,
VictoriaMetrics) with deadlines, retries and auth, the SLI collector and the capacity
collector. (The demo's generated history lives in :mod:`sre_pipeline.demo`.)"""

from sre_pipeline.sources.capacity import (
    CapacityResult,
    Resource,
    collect_capacity,
    load_resources,
)
from sre_pipeline.sources.collector import CollectResult, SLICollector
from sre_pipeline.sources.prometheus_http import PrometheusClient, PrometheusConfig, PrometheusError

__all__ = [
    "CapacityResult",
    "CollectResult",
    "PrometheusClient",
    "PrometheusConfig",
    "PrometheusError",
    "Resource",
    "SLICollector",
    "collect_capacity",
    "load_resources",
]
