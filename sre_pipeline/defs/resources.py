"""Resources: settings, the SLI source (demo or Prometheus) and the warehouse.

Each outside system sits behind one resource; secrets are read from the environment variables
the configuration names when a step needs them (never part of the run config), and never logged.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import timedelta

import dagster as dg
import pandas as pd
from pydantic import PrivateAttr
from sqlalchemy import Engine

from sre_pipeline.config import REPO, read_secrets
from sre_pipeline.demo.history import generate_events, simulate_capacity
from sre_pipeline.demo.plan import check_plan, load_plan
from sre_pipeline.incidents.postmortems import PostmortemSet, load_postmortems
from sre_pipeline.inputs.problems import SpecError
from sre_pipeline.slo.spec.loader import Catalog, load_catalog
from sre_pipeline.sources.capacity import (
    CapacityResult,
    Resource,
    collect_capacity,
    load_resources,
)
from sre_pipeline.sources.collector import CollectResult, SLICollector
from sre_pipeline.sources.prometheus_http import PrometheusClient, PrometheusConfig
from sre_pipeline.warehouse.engine import make_engine
from sre_pipeline.warehouse.migrate import upgrade

EXAMPLES = REPO / "examples"


class PipelineSettings(dg.ConfigurableResource):
    """What to evaluate: SLO spec paths, capacity resources, time zone, bucket width; and the
    clock (``clock``: an ISO instant standing for "now", for simulations and tests)."""

    slo_paths: list[str] = [str(EXAMPLES / "slos")]
    capacity_path: str | None = str(EXAMPLES / "capacity.yaml")
    time_zone: str = "UTC"
    bucket_minutes: int = 5
    sloth_period_days: int = 30
    coverage_threshold: float = 0.95  # data-quality: share of expected buckets per SLO and day
    freshness_minutes: int = 30  # data-quality: how old today's newest bucket may be
    clock: str | None = None  # None: the real clock

    def now(self) -> pd.Timestamp:
        """The current instant (UTC): the real clock, or ``clock`` when set."""
        if self.clock is None:
            return pd.Timestamp.now(tz="UTC")
        ts = pd.Timestamp(self.clock)
        return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")

    def catalog(self) -> Catalog:
        """The validated SLO catalog (raises SpecError with every problem)."""
        return load_catalog(self.slo_paths, timedelta(days=self.sloth_period_days))

    def resources(self) -> list[Resource]:
        """Capacity resources, or none when no capacity file is configured."""
        return load_resources(self.capacity_path) if self.capacity_path else []

    @property
    def width(self) -> timedelta:
        """The bucket width."""
        return timedelta(minutes=self.bucket_minutes)


class SLISource(dg.ConfigurableResource):
    """Where bucket counts and capacity samples come from."""

    @abstractmethod
    def events(
        self, slos, start: pd.Timestamp, end: pd.Timestamp, width: timedelta
    ) -> CollectResult:
        """Bucket counts for buckets starting in ``[start, end)``."""

    @abstractmethod
    def capacity(self, resources, start: pd.Timestamp, end: pd.Timestamp) -> CapacityResult:
        """Capacity samples in ``[start, end)``, with the resources that failed."""


class DemoSLISource(SLISource):
    """The embedded demo history (``examples/demo.yaml``), anchored at ``anchor`` (ISO date;
    default: today, UTC) so scenarios land in the recent past."""

    plan_path: str = str(EXAMPLES / "demo.yaml")
    anchor: str | None = None

    def _anchor(self) -> pd.Timestamp:
        ts = pd.Timestamp(self.anchor) if self.anchor else pd.Timestamp.now(tz="UTC").floor("D")
        return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")

    def events(self, slos, start, end, width) -> CollectResult:
        """Generated counts: the same for the same buckets, whatever the range. A plan naming
        an SLO the catalog lacks fails first (SpecError), before anything is generated."""
        plan = load_plan(self.plan_path)
        problems = check_plan(plan, slos)
        if problems:
            raise SpecError(problems)
        days = (end - start) / pd.Timedelta(days=1)
        frame = generate_events(slos, end, days=days, plan=plan, width=width, anchor=self._anchor())
        return CollectResult(events=frame, queries=0)

    def capacity(self, resources, start, end) -> CapacityResult:
        """Generated capacity gauges."""
        plan = load_plan(self.plan_path)
        return CapacityResult(simulate_capacity(resources, start, end, plan, self._anchor()))


class PrometheusSLISource(SLISource):
    """A Prometheus HTTP API (Thanos, Mimir, VictoriaMetrics).

    Secrets are given as the names of environment variables (``bearer_token_env``,
    ``basic_auth_env``), read by the step that queries, so an unset one fails that step with
    the configuration's file, line and field (``config_file``, ``config_lines``) rather than a
    Dagster error about a missing ``EnvVar``. ``bearer_token`` and ``basic_auth`` take values
    directly, for code that has them.
    """

    url: str
    bearer_token: str | None = None
    basic_auth: str | None = None  # USER:PASSWORD
    bearer_token_env: str | None = None
    basic_auth_env: str | None = None
    config_file: str = "(configuration)"
    config_lines: dict[str, int] = {}
    ca_bundle: str | None = None
    insecure: bool = False
    headers: dict[str, str] = {}
    concurrency: int = 4
    timeout_s: float = 30.0
    retries: int = 4  # attempts per query, the first included

    def _config(self) -> PrometheusConfig:
        names = {"bearer_token_env": self.bearer_token_env, "basic_auth_env": self.basic_auth_env}
        secrets = read_secrets(names, self.config_file, self.config_lines)
        token = self.bearer_token or secrets["bearer_token"]
        auth = self.basic_auth or secrets["basic_auth"]
        basic = tuple(auth.split(":", 1)) if auth else None
        return PrometheusConfig(
            url=self.url.rstrip("/"),
            bearer_token=token,
            basic_auth=basic,
            ca_bundle=self.ca_bundle,
            verify=not self.insecure,
            headers=dict(self.headers),
            concurrency=self.concurrency,
            timeout_s=self.timeout_s,
            retries=self.retries,
        )

    def events(self, slos, start, end, width) -> CollectResult:
        """Collected counts; failures are reported in the result, not raised."""
        config = self._config()
        with PrometheusClient(config) as client:
            collector = SLICollector(client, config.concurrency)
            return collector.collect(slos, start, end, int(width.total_seconds()))

    def capacity(self, resources, start, end) -> CapacityResult:
        """Collected capacity samples; failures are reported in the result, not raised."""
        config = self._config()
        with PrometheusClient(config) as client:
            return collect_capacity(client, resources, start, end, config.concurrency)


class IncidentSource(dg.ConfigurableResource):
    """Where incidents and their action items come from."""

    @abstractmethod
    def incidents(self, time_zone: str) -> PostmortemSet:
        """Every incident with its action items (raises SpecError on bad input)."""


class PostmortemSource(IncidentSource):
    """Postmortem Markdown files (docs/incidents.md). ``authored_for`` (ISO date) is for the
    demo's examples: their times move by ``anchor - authored_for`` days (``anchor`` default:
    today, UTC), like the demo scenarios they describe."""

    paths: list[str] = []
    authored_for: str | None = None
    anchor: str | None = None

    def shift(self) -> timedelta:
        """How far the postmortems' times move (zero unless ``authored_for`` is set)."""
        if not self.authored_for:
            return timedelta(0)
        anchor = pd.Timestamp(self.anchor) if self.anchor else pd.Timestamp.now(tz="UTC")
        return timedelta(days=(anchor.date() - pd.Timestamp(self.authored_for).date()).days)

    def incidents(self, time_zone: str) -> PostmortemSet:
        """The incidents of every postmortem under ``paths``."""
        return load_postmortems(self.paths, time_zone, self.shift())


class WarehouseResource(dg.ConfigurableResource):
    """The SQL warehouse (SQLite file by default); upgraded to the newest schema on first use."""

    url: str | None = None
    _engine: Engine | None = PrivateAttr(default=None)

    def engine(self) -> Engine:
        """The engine for this URL, its schema upgraded (once per run)."""
        if self._engine is None:
            engine = make_engine(self.url)
            upgrade(engine)
            self._engine = engine
        return self._engine

    def teardown_after_execution(self, context) -> None:
        """Close pooled connections when the run (or sensor tick) is done with them."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
