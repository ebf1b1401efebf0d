"""The demo, kept apart: a deterministic SLI and capacity history (``examples/demo.yaml``),
its OpenMetrics writer (to back-fill a real Prometheus), the example postmortems moved to the
demo's end, and its own code location (:mod:`sre_pipeline.demo.definitions`) built by the
production factory with these sources. Production code never imports this package."""

from sre_pipeline.demo.history import generate_events, simulate_capacity
from sre_pipeline.demo.openmetrics import write_openmetrics
from sre_pipeline.demo.plan import DemoPlan, check_plan, load_plan
from sre_pipeline.demo.resources import DemoPostmortemSource, DemoSLISource, demo_resources
from sre_pipeline.demo.run import DemoHome, run_demo

__all__ = [
    "DemoHome",
    "DemoPlan",
    "DemoPostmortemSource",
    "DemoSLISource",
    "check_plan",
    "demo_resources",
    "generate_events",
    "load_plan",
    "run_demo",
    "simulate_capacity",
    "write_openmetrics",
]
