"""Resources: settings, the SLI source (Prometheus), the incident source, the warehouse and
where data-quality checks run.

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

from sre_pipeline.config import ConfigIn, EmailIn, PipelineConfig, read_secrets
from sre_pipeline.incidents.postmortems import PostmortemSet, load_postmortems
from sre_pipeline.inputs.durations import parse_duration
from sre_pipeline.inputs.problems import Problem, SpecError
from sre_pipeline.inputs.tickets_config import TicketsIn
from sre_pipeline.slo.spec.loader import Catalog, load_catalog
from sre_pipeline.sources.capacity import (
    CapacityResult,
    Resource,
    collect_capacity,
    load_resources,
)
from sre_pipeline.sources.collector import CollectResult, SLICollector
from sre_pipeline.sources.prometheus_http import PrometheusClient, PrometheusConfig
from sre_pipeline.warehouse.engine import cache_dir, make_engine
from sre_pipeline.warehouse.migrate import upgrade


def _default(field: str):
    """The configuration file's default for ``field`` (ConfigIn lists the fields once)."""
    return ConfigIn.model_fields[field].default


class PipelineSettings(dg.ConfigurableResource):
    """What to evaluate: the configuration's SLO spec paths, capacity file, time zone, bucket
    width, data-quality thresholds and where reviews go (same names and defaults as in
    ``sre_pipeline.yaml``),
    and the clock (``clock``: an ISO instant standing for "now", for simulations and tests)."""

    slos: list[str] = _default("slos")
    capacity: str | None = _default("capacity")
    time_zone: str = _default("time_zone")
    bucket_minutes: int = _default("bucket_minutes")
    coverage_threshold: float = _default("coverage_threshold")  # share of expected buckets
    freshness_minutes: int = _default("freshness_minutes")  # how old today's newest may be
    overlap_minutes: int = _default("overlap_minutes")  # today's tail collected again each run
    sloth_period: str = _default("sloth_period")  # Sloth specs state no period
    reviews_dir: str | None = None  # where reviews are written (None: $SRE_PIPELINE_HOME/reviews)
    review_templates: str | None = None  # templates overriding the shipped ones
    emergency_stop_file: str | None = None  # while it exists no ticket or e-mail goes out
    clock: str | None = None  # None: the real clock

    @classmethod
    def from_config(cls, config: PipelineConfig) -> PipelineSettings:
        """The settings of a configuration: every field the two share, by name."""
        shared = [k for k in cls.model_fields if k in ConfigIn.model_fields]
        return cls(**{k: getattr(config, k) for k in shared})

    def now(self) -> pd.Timestamp:
        """The current instant (UTC): the real clock, or ``clock`` when set."""
        if self.clock is None:
            return pd.Timestamp.now(tz="UTC")
        ts = pd.Timestamp(self.clock)
        return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")

    def catalog(self) -> Catalog:
        """The validated SLO catalog (raises SpecError with every problem)."""
        return load_catalog(
            self.slos, parse_duration(self.sloth_period), bucket=self.width, cache_dir=cache_dir()
        )

    def resources(self) -> list[Resource]:
        """Capacity resources, or none when no capacity file is configured."""
        return load_resources(self.capacity) if self.capacity else []

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

    def preflight(self, catalog: Catalog) -> None:
        """Raise :class:`SpecError` for what would make every collection from this source fail
        (read before a command starts runs); nothing by default."""


class UnconfiguredSource(SLISource):
    """The SLI source of a configuration without Prometheus: every collection fails, naming
    the configuration to fix. Production never falls back to made-up data; the demo's history
    is served by the demo's own code location (``sre-pipeline demo``)."""

    config_file: str = "(configuration)"

    def _problem(self) -> SpecError:
        return SpecError(
            [
                Problem(
                    self.config_file,
                    None,
                    "prometheus.url",
                    "no Prometheus is configured, so there is nothing to collect from",
                    "prometheus: {url: https://...} in the configuration (or PROMETHEUS_URL); "
                    "for the demo's generated history run `sre-pipeline demo`",
                )
            ]
        )

    def preflight(self, catalog) -> None:
        """Always raises: nothing can be collected."""
        raise self._problem()

    def events(self, slos, start, end, width) -> CollectResult:
        """Raises :class:`SpecError` naming the missing ``prometheus.url``."""
        raise self._problem()

    def capacity(self, resources, start, end) -> CapacityResult:
        """Raises :class:`SpecError` naming the missing ``prometheus.url``."""
        raise self._problem()


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
    queries_per_request: int = 10  # queries batched into one request (sources.collector)
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

    def preflight(self, catalog: Catalog) -> None:
        """The secrets the configuration names are set (else :class:`SpecError`)."""
        self._config()

    def events(self, slos, start, end, width) -> CollectResult:
        """Collected counts; failures are reported in the result, not raised."""
        config = self._config()
        with PrometheusClient(config) as client:
            collector = SLICollector(client, config.concurrency, batch=self.queries_per_request)
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
    """Postmortem Markdown files (docs/incidents.md)."""

    paths: list[str] = []

    def incidents(self, time_zone: str) -> PostmortemSet:
        """The incidents of every postmortem under ``paths``."""
        return load_postmortems(self.paths, time_zone)


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


class QualityResource(dg.ConfigurableResource):
    """Where the data-quality checks run Great Expectations. With ``worker`` (the default
    under the in-process executor) a worker process is started when a run that has checks
    starts, so GX's import (about 5 s) overlaps the run's first steps
    (:mod:`sre_pipeline.quality.gx_worker`); without it GX runs in the check's own process
    (under the multiprocess and Celery executors, whose check steps start apart from the run)."""

    worker: bool = True

    @classmethod
    def from_config(cls, config: PipelineConfig) -> QualityResource:
        """A worker under the in-process executor only: elsewhere each step is a process of
        its own, and a worker started in it would outlive no check."""
        return cls(worker=config.executor.type == "in_process")

    def setup_for_execution(self, context) -> None:
        """Start the GX worker (once per process) when the run starts."""
        if self.worker:
            from sre_pipeline.quality import gx_worker

            gx_worker.start()


class MailResource(dg.ConfigurableResource):
    """The ``email`` settings of ``sre_pipeline.yaml`` (sender, recipients, team addresses,
    outbox or SMTP), as the JSON of the validated section: secrets stay variable names."""

    settings_json: str = "{}"

    @classmethod
    def from_config(cls, config: PipelineConfig) -> MailResource:
        """The configuration's ``email`` section."""
        return cls(settings_json=config.email.model_dump_json(by_alias=True))

    def email(self) -> EmailIn:
        """The validated section."""
        return EmailIn.model_validate_json(self.settings_json)


class TicketResource(dg.ConfigurableResource):
    """The ``tickets`` settings of ``sre_pipeline.yaml`` (trackers by name, team routing, dry
    run, cap, grace), as the JSON of the validated section: secrets stay variable names, read
    by the step that syncs."""

    settings_json: str = "{}"

    @classmethod
    def from_config(cls, config: PipelineConfig) -> TicketResource:
        """The configuration's ``tickets`` section."""
        return cls(settings_json=config.tickets.model_dump_json())

    def tickets(self) -> TicketsIn:
        """The validated section."""
        return TicketsIn.model_validate_json(self.settings_json)
