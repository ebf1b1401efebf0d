"""Pipeline configuration: one YAML file (``sre_pipeline.yaml``; ``SRE_PIPELINE_CONFIG`` names
another) plus environment variables. With no file at all the embedded defaults apply: the
example catalog, the demo source, a SQLite warehouse under the pipeline's home.

Secrets never live in the file: the Prometheus token and password are read from the
environment variables the file names (``bearer_token_env`` etc.).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pydantic import Field, field_validator

from sre_pipeline.slo.problems import SpecError
from sre_pipeline.slo.validation import DocContext, InputModel, check_time_zone
from sre_pipeline.slo.yamldocs import read_documents

REPO = Path(__file__).resolve().parents[1]
ENV_CONFIG = "SRE_PIPELINE_CONFIG"
ENV_START = "SRE_PIPELINE_START_DATE"


class PrometheusIn(InputModel):
    url: str
    bearer_token_env: str | None = None
    basic_auth_env: str | None = None
    ca_bundle: str | None = None
    insecure: bool = False
    headers: dict[str, str] = {}
    concurrency: int = Field(4, ge=1, le=64)
    timeout_s: float = Field(30.0, gt=0)


class ConfigIn(InputModel):
    slos: list[str] = [str(REPO / "examples" / "slos")]
    capacity: str | None = str(REPO / "examples" / "capacity.yaml")
    demo_plan: str = str(REPO / "examples" / "demo.yaml")
    postmortems: list[str] | None = None  # default: the demo plan's examples (demo source only)
    demo_anchor: date | None = None  # the demo source's "today" (written by the demo)
    schedules_running: bool = False  # start schedules and the sensor without a UI toggle
    time_zone: str = "UTC"
    start_date: date | None = None
    bucket_minutes: int = Field(5, ge=1, le=60)
    coverage_threshold: float = Field(0.95, ge=0, le=1)
    freshness_minutes: int = Field(30, ge=1)
    warehouse_url: str | None = None
    prometheus: PrometheusIn | None = None

    @field_validator("time_zone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return check_time_zone(v)


@dataclass(frozen=True)
class PipelineConfig:
    """The validated configuration; ``source`` says where it came from."""

    slos: list[str]
    capacity: str | None
    demo_plan: str
    time_zone: str
    start_date: date | None
    bucket_minutes: int
    warehouse_url: str | None
    prometheus: PrometheusIn | None
    coverage_threshold: float = 0.95
    freshness_minutes: int = 30
    postmortems: list[str] | None = None
    demo_anchor: date | None = None
    schedules_running: bool = False
    source: str = "embedded defaults"
    extra: dict = field(default_factory=dict)


def config_path() -> Path | None:
    """``$SRE_PIPELINE_CONFIG``, else ``./sre_pipeline.yaml`` when it exists."""
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env)
    local = Path("sre_pipeline.yaml")
    return local if local.exists() else None


def load_config(path: str | Path | None = None) -> PipelineConfig:
    """Read the configuration file (or the defaults); problems raise :class:`SpecError`."""
    path = Path(path) if path else config_path()
    if path is None:
        parsed, source = ConfigIn(), "embedded defaults"
    else:
        docs, problems = read_documents(path)
        ctx = DocContext(docs[0]) if docs else None
        parsed = ctx.validate(ConfigIn, docs[0].data or {}) if ctx else ConfigIn()
        problems += ctx.problems if ctx else []
        if problems:
            raise SpecError(problems)
        base = path.parent
        parsed = parsed.model_copy(
            update={
                "slos": [str((base / p).resolve()) for p in parsed.slos],
                "capacity": str((base / parsed.capacity).resolve()) if parsed.capacity else None,
                "demo_plan": str((base / parsed.demo_plan).resolve()),
                "postmortems": None
                if parsed.postmortems is None
                else [str((base / p).resolve()) for p in parsed.postmortems],
            }
        )
        source = str(path)
    url = os.environ.get("SRE_PIPELINE_WAREHOUSE_URL") or parsed.warehouse_url
    start = os.environ.get(ENV_START)  # set by `sre-pipeline backfill` for its own runs
    start_date = date.fromisoformat(start) if start else parsed.start_date
    prometheus = parsed.prometheus
    if prometheus is None and os.environ.get("PROMETHEUS_URL"):
        prometheus = PrometheusIn(url=os.environ["PROMETHEUS_URL"])
    return PipelineConfig(
        slos=parsed.slos,
        capacity=parsed.capacity,
        demo_plan=parsed.demo_plan,
        time_zone=parsed.time_zone,
        start_date=start_date,
        bucket_minutes=parsed.bucket_minutes,
        coverage_threshold=parsed.coverage_threshold,
        freshness_minutes=parsed.freshness_minutes,
        postmortems=parsed.postmortems,
        demo_anchor=parsed.demo_anchor,
        schedules_running=parsed.schedules_running,
        warehouse_url=url,
        prometheus=prometheus,
        source=source,
    )
