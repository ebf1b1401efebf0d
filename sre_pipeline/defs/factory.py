"""The definitions factory: one configuration in, the whole code location out.

``sre_pipeline.definitions`` calls :func:`build_defs` when Dagster loads the code location
(never at import); the demo, the ``backfill`` command and the tests call it with their own
configuration or resources. What it reads when called: the SLO specs (the status look-back and
the owners and tags shown in the UI) and, for where partitions start, the oldest stored bucket
of the warehouse (see :mod:`sre_pipeline.defs.partitions`).
"""

import importlib
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from sre_pipeline.config import EnvIn, PipelineConfig, load_config
from sre_pipeline.defs.capacity_assets import capacity_assets
from sre_pipeline.defs.catalog_asset import catalog_asset, owners_and_tags
from sre_pipeline.defs.checks import check_action_items, check_incidents, daily_checks
from sre_pipeline.defs.collection_assets import RETRY, collection_assets
from sre_pipeline.defs.incident_assets import incident_records
from sre_pipeline.defs.incident_impact_assets import incident_impact_assets
from sre_pipeline.defs.jobs import pipeline_jobs, pipeline_schedules, run_failure_sensor
from sre_pipeline.defs.model_assets import model_assets
from sre_pipeline.defs.partitions import (
    MIN_LOOKBACK_DAYS,
    Partitioning,
    first_partition,
    lookback_days,
)
from sre_pipeline.defs.resources import (
    MailResource,
    PipelineSettings,
    PostmortemSource,
    PrometheusSLISource,
    QualityResource,
    SLISource,
    TicketResource,
    UnconfiguredSource,
    WarehouseResource,
)
from sre_pipeline.defs.review_assets import review_assets
from sre_pipeline.defs.status_assets import status_assets
from sre_pipeline.defs.ticket_assets import ticket_assets
from sre_pipeline.defs.upstream_warnings import expected_warnings_silenced
from sre_pipeline.inputs.problems import Problem, SpecError
from sre_pipeline.slo.spec.loader import Catalog
from sre_pipeline.sources.capacity import load_resources
from sre_pipeline.warehouse.engine import default_url, make_engine
from sre_pipeline.warehouse.reads import first_event_time


def prometheus_source(config: PipelineConfig) -> PrometheusSLISource:
    """The Prometheus SLI source of a configuration with ``prometheus`` set: its fields by
    name, the secrets as variable names read by the step that needs them (see
    ``config.read_secrets``), and where the fields are written for messages."""
    return PrometheusSLISource(
        **config.prometheus.model_dump(),
        config_file=config.source,
        config_lines={k: v for k, v in config.lines.items() if k.startswith("prometheus.")},
    )


def resources_from_config(config: PipelineConfig) -> dict:
    """Settings, SLI source, incident source, warehouse and data-quality resources for a
    configuration. Without ``prometheus`` the SLI source fails every collection, naming what
    to configure (the demo passes its own sources: :mod:`sre_pipeline.demo.definitions`)."""
    if config.prometheus is not None:
        source: SLISource = prometheus_source(config)
    else:
        source = UnconfiguredSource(config_file=config.source)
    return {
        "settings": PipelineSettings.from_config(config),
        "source": source,
        "incident_source": PostmortemSource(paths=config.postmortems or []),
        "warehouse": WarehouseResource(url=config.warehouse_url),
        "quality": QualityResource.from_config(config),
        "mail": MailResource.from_config(config),
        "tickets": TicketResource.from_config(config),
    }


# executor.type -> (the module imported only when it is chosen, its executor); the extra
# that installs it has the type's name
OPTIONAL_EXECUTORS = {
    "celery": ("dagster_celery", "celery_executor"),
    "k8s": ("dagster_k8s", "k8s_job_executor"),
}


def _string_source(value: str | EnvIn) -> str | dict:
    """A configured URL as Dagster's StringSource: ``{env: NAME}`` is read where it is used."""
    return {"env": value.env} if isinstance(value, EnvIn) else value


def executor_definition(config: PipelineConfig) -> dg.ExecutorDefinition:
    """The executor ``executor.type`` selects (docs/operations.md, "Executors and run
    launchers"): in-process by default; dagster-celery and dagster-k8s are imported only when
    chosen, and one that is not installed raises :class:`SpecError` naming the file and
    field. Without a setting to fix, multiprocess and k8s stay configurable per run."""
    chosen = config.executor
    if chosen.type == "in_process":
        return dg.in_process_executor
    limit = {"max_concurrent": chosen.max_concurrent} if chosen.max_concurrent else None
    if chosen.type == "multiprocess":
        return dg.multiprocess_executor.configured(limit) if limit else dg.multiprocess_executor
    module, name = OPTIONAL_EXECUTORS[chosen.type]
    try:
        executor = getattr(importlib.import_module(module), name)
    except ImportError:
        where = "executor.type"
        package = module.replace("_", "-")
        raise SpecError(
            [
                Problem(
                    config.source,
                    None,
                    where,
                    f"'{chosen.type}' needs {package}, which is not installed",
                    f'pip install "sre_pipeline[{chosen.type}]" ({package} 0.29.27) wherever '
                    "the code location, its runs and its workers run; or another executor.type",
                    config.lines.get(where),
                )
            ]
        ) from None
    if chosen.type == "k8s":
        return executor.configured(limit) if limit else executor
    broker = _string_source(chosen.broker)
    backend = broker if chosen.backend is None else _string_source(chosen.backend)
    return executor.configured({"broker": broker, "backend": backend})


def preflight(config: PipelineConfig, source: SLISource | None = None) -> Catalog:
    """Everything runs with this configuration (and SLI source) will read, read now: the SLO
    specs, the capacity file, the executor's library and what the source needs (Prometheus'
    secrets, the demo plan against the catalog). Raises :class:`SpecError` with every
    problem, so a command stops with file:line before it starts a run or writes anything;
    returns the catalog."""
    executor_definition(config)
    catalog = config.catalog()
    if config.capacity:
        load_resources(config.capacity)
    if source is not None:
        source.preflight(catalog)
    return catalog


def _catalog(config: PipelineConfig) -> Catalog | None:
    """The catalog, or None when it does not load (the catalog asset fails with the details;
    the code location must still load so the UI can show that failure)."""
    try:
        return config.catalog()
    except SpecError:
        return None


def first_stored_day(url: str | None, time_zone: str) -> date | None:
    """The local day of the oldest stored SLI bucket; None for a warehouse that does not exist
    yet (not created by looking) or cannot be reached (its runs will report that)."""
    url = url or default_url()
    if url.startswith("sqlite"):
        path = make_url(url).database
        if not path or path == ":memory:" or not Path(path).exists():
            return None
    try:
        engine = make_engine(url)
    except (SQLAlchemyError, ValueError):
        return None
    try:
        oldest = first_event_time(engine)
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    return None if oldest is None else oldest.tz_convert(time_zone).date()


def partitioning(
    config: PipelineConfig,
    catalog: Catalog | None,
    warehouse_url: str | None,
    today: date | None = None,
) -> Partitioning:
    """The daily partitions and status look-back of this configuration."""
    lookback = lookback_days(catalog.slos) if catalog else MIN_LOOKBACK_DAYS
    today = today or pd.Timestamp.now(tz=config.time_zone).date()
    stored = None if config.start_date else first_stored_day(warehouse_url, config.time_zone)
    start = first_partition(config.start_date, stored, today, lookback)
    return Partitioning(config.time_zone, start, lookback)


def build_defs(
    config: PipelineConfig | None = None,
    *,
    resources: dict | None = None,
    retry: dg.RetryPolicy | None = RETRY,
    today: date | None = None,
) -> dg.Definitions:
    """The code location for ``config`` (default: the pipeline configuration), with
    ``resources`` replacing the configured ones where given and ``retry`` the collection
    assets' retry policy. Steps run in process unless ``executor`` says otherwise
    (:func:`executor_definition`; docs/operations.md: executors)."""
    config = config or load_config()
    resources = {**resources_from_config(config), **(resources or {})}
    catalog = _catalog(config)
    parts = partitioning(config, catalog, resources["warehouse"].url, today)
    owners, tags = owners_and_tags(catalog)
    with expected_warnings_silenced():
        assets = [
            catalog_asset(owners, tags),
            *collection_assets(parts, owners, tags, retry),
            *status_assets(parts, owners, tags),
            *capacity_assets(parts),
            incident_records,
            *incident_impact_assets(parts),
            *model_assets(),
            *review_assets(parts),
            *ticket_assets(parts),
        ]
        checks = [*daily_checks(parts), check_incidents, check_action_items]
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=pipeline_jobs(),
        schedules=pipeline_schedules(config.time_zone, config.schedules_running),
        sensors=[run_failure_sensor(config.schedules_running)],
        resources=resources,
        executor=executor_definition(config),
    )
