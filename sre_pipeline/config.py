"""Pipeline configuration: one YAML file (``sre_pipeline.yaml``; ``SRE_PIPELINE_CONFIG`` names
another) plus environment variables. With no file at all the embedded defaults apply: the
example catalog and capacity file, a SQLite warehouse under the pipeline's home, and no
Prometheus (production's collections then fail saying so; the demo's code location serves
its generated history instead). ``demo_plan`` and ``demo_anchor`` are read only by the demo.

Secrets never live in the file: the Prometheus token and password are read from the
environment variables the file names (``bearer_token_env`` etc.). They are read when something
needs them, not when the file is loaded: the Dagster webserver loads the code location without
them, while the process that collects from Prometheus reads them with :func:`read_secrets`,
which names the file, line, field and variable of one that is not set.
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from sre_pipeline.inputs.durations import DurationError, parse_duration
from sre_pipeline.inputs.problems import Problem, SpecError, format_path
from sre_pipeline.inputs.tickets_config import TicketsIn
from sre_pipeline.inputs.validation import Day, DocContext, InputModel, check_time_zone, invalid
from sre_pipeline.inputs.yamldocs import read_documents

REPO = Path(__file__).resolve().parents[1]
ENV_CONFIG = "SRE_PIPELINE_CONFIG"
ENV_START = "SRE_PIPELINE_START_DATE"
WAREHOUSE_DIALECTS = ("sqlite", "postgresql")  # the dialects the warehouse schema is tested on
# field naming a variable -> the secret's name for the resource, and what the variable holds
SECRETS = {
    "bearer_token_env": ("bearer_token", "the Prometheus bearer token"),
    "basic_auth_env": ("basic_auth", "USER:PASSWORD for Prometheus"),
}


def check_http_url(value: str) -> str:
    """An http(s) URL with a host, or an :func:`invalid` error."""
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname  # raises for a bad port or IPv6 address
        parts.port  # noqa: B018 - evaluated for the ValueError of a bad port
    except ValueError:
        host = None
    if parts.scheme not in ("http", "https") or not host:
        raise invalid(
            f"'{value}' is not an http(s) URL with a host", "e.g. https://prometheus.example.com"
        )
    return value


def check_warehouse_url(value: str) -> str:
    """A SQLAlchemy URL of a dialect the warehouse supports, or an :func:`invalid` error."""
    expected = "a sqlite:// or postgresql+psycopg:// SQLAlchemy URL"
    try:
        dialect = make_url(value).get_backend_name()
    except (ArgumentError, ValueError):
        raise invalid(f"'{value}' is not a SQLAlchemy URL", expected) from None
    if dialect not in WAREHOUSE_DIALECTS:
        raise invalid(f"dialect '{dialect}' is not supported", expected)
    return value


class PrometheusIn(InputModel):
    url: str
    bearer_token_env: str | None = None
    basic_auth_env: str | None = None
    ca_bundle: str | None = None
    insecure: bool = False
    headers: dict[str, str] = {}
    concurrency: int = Field(4, ge=1, le=64)
    timeout_s: float = Field(30.0, gt=0)
    queries_per_request: int = Field(10, ge=1, le=100)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return check_http_url(v)


_ADDRESS = re.compile(r"^[^\s@<>,;\"]+@[^\s@<>,;\"]+$")


def check_address(value: str) -> str:
    """A bare e-mail address (``team@example.com``), with no line break (header injection)
    and nothing a header would read as a second address."""
    text = str(value)
    if "\r" in text or "\n" in text:
        raise invalid("an address must not contain a line break", "one address per entry")
    if not _ADDRESS.match(text.strip()):
        raise invalid(f"'{text}' is not an e-mail address", "an address such as sre@example.com")
    return text.strip()


class SmtpIn(InputModel):
    host: str = "127.0.0.1"
    port: int = Field(587, ge=1, le=65535)
    security: str = Field("starttls", pattern="^(starttls|tls|none)$")
    username_env: str | None = None  # names of environment variables, never the secrets
    password_env: str | None = None
    timeout_s: float = Field(30.0, gt=0)
    ca_bundle: str | None = None  # a CA file to trust (a private CA); default: the system's


class EmailIn(InputModel):
    sender: str = Field("sre-pipeline@localhost", alias="from")
    to: list[str] = []
    team_addresses: dict[str, str] = {}  # team (as the SLO specs name it) -> address
    transport: str = Field("outbox", pattern="^(outbox|smtp)$")
    outbox_dir: str | None = None  # default: $SRE_PIPELINE_HOME/outbox
    smtp: SmtpIn = SmtpIn()

    @field_validator("sender")
    @classmethod
    def _sender(cls, v: str) -> str:
        return check_address(v)

    @field_validator("to")
    @classmethod
    def _to(cls, v: list[str]) -> list[str]:
        return [check_address(a) for a in v]

    @field_validator("team_addresses")
    @classmethod
    def _teams(cls, v: dict[str, str]) -> dict[str, str]:
        return {team: check_address(a) for team, a in v.items()}


def _resolved_email(email: EmailIn, base: Path) -> EmailIn:
    """The e-mail settings with their paths relative to the configuration file resolved."""
    smtp = email.smtp
    if smtp.ca_bundle:
        smtp = smtp.model_copy(update={"ca_bundle": str((base / smtp.ca_bundle).resolve())})
    outbox = str((base / email.outbox_dir).resolve()) if email.outbox_dir else None
    return email.model_copy(update={"smtp": smtp, "outbox_dir": outbox})


def _resolved_tickets(tickets: TicketsIn, base: Path) -> TicketsIn:
    """The ticket settings with the outbox folders made absolute."""
    trackers = {
        name: t.model_copy(update={"folder": str((base / t.folder).resolve())}) if t.folder else t
        for name, t in tickets.trackers.items()
    }
    return tickets.model_copy(update={"trackers": trackers})


class EnvIn(InputModel):
    """``{env: NAME}``: a value read from an environment variable where it is used (Dagster's
    own form), for a URL that holds a password."""

    env: str


class ExecutorIn(InputModel):
    """Where a run's steps execute (docs/operations.md "Executors and run launchers")."""

    type: Literal["in_process", "multiprocess", "celery", "k8s"] = "in_process"
    max_concurrent: int | None = Field(None, ge=1)  # multiprocess, k8s: steps at once
    broker: str | EnvIn | None = None  # celery: the broker the workers listen to (required)
    backend: str | EnvIn | None = None  # celery: result backend; default: the (Redis) broker

    @field_validator("broker", "backend", mode="before")
    @classmethod
    def _url_or_env(cls, v: object) -> object:
        if v is None or isinstance(v, str | EnvIn):
            return v
        if isinstance(v, dict) and list(v) == ["env"] and isinstance(v["env"], str):
            return EnvIn(env=v["env"])
        raise invalid(
            f"{v!r} is neither a URL nor {{env: NAME}}",
            "a URL such as redis://redis:6379/0, or {env: NAME} naming the variable holding it",
        )

    @model_validator(mode="after")
    def _fits_type(self) -> ExecutorIn:
        celery = self.type == "celery"
        if celery and self.broker is None:
            raise invalid(
                "a celery executor needs broker",
                "broker: the URL the Celery workers listen to, e.g. redis://redis:6379/0",
            )
        redis = isinstance(self.broker, EnvIn) or str(self.broker).startswith("redis")
        if celery and self.backend is None and not redis:
            raise invalid(
                "a broker other than Redis needs a backend",
                "backend: rpc:// (RabbitMQ) or a redis:// URL",
            )
        if not celery and (self.broker is not None or self.backend is not None):
            raise invalid(f"broker and backend do not apply to {self.type}", "type: celery")
        if self.max_concurrent is not None and self.type not in ("multiprocess", "k8s"):
            raise invalid(
                f"max_concurrent does not apply to {self.type}", "type: multiprocess or k8s"
            )
        return self


class ConfigIn(InputModel):
    slos: list[str] = [str(REPO / "examples" / "slos")]
    capacity: str | None = str(REPO / "examples" / "capacity.yaml")
    demo_plan: str = str(REPO / "examples" / "demo.yaml")
    postmortems: list[str] | None = None  # default: none (the demo: its plan's examples)
    demo_anchor: date | None = None  # the demo's "today" (written by the demo into its home)
    schedules_running: bool = False  # start schedules and the sensor without a UI toggle
    time_zone: str = "UTC"
    sloth_period: str = "30d"  # the period of Sloth specs, which state none (Sloth's default)
    start_date: Day | None = None
    bucket_minutes: int = Field(5, ge=1, le=60)
    coverage_threshold: float = Field(0.95, ge=0, le=1)
    freshness_minutes: int = Field(30, ge=1)
    # today's buckets younger than this (rounded to the hour) are collected again by the next
    # hourly run (late samples); 1440: every run collects the whole day so far
    overlap_minutes: int = Field(60, ge=0, le=1440)
    warehouse_url: str | None = None
    prometheus: PrometheusIn | None = None
    executor: ExecutorIn = ExecutorIn()
    reviews_dir: str | None = None  # default: $SRE_PIPELINE_HOME/reviews
    review_templates: str | None = None  # a directory of templates overriding the shipped ones
    email: EmailIn = EmailIn()
    tickets: TicketsIn = TicketsIn()
    # while this file exists no ticket and no e-mail goes out (tickets/stop.py)
    emergency_stop_file: str | None = None

    @field_validator("time_zone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return check_time_zone(v)

    @field_validator("sloth_period")
    @classmethod
    def _sloth_period(cls, v: str) -> str:
        try:
            period = parse_duration(v)
        except DurationError as exc:
            raise invalid(*exc.parts("a period of whole days such as 30d or 28d")) from None
        if period < timedelta(days=1) or period % timedelta(days=1):
            raise invalid(f"'{v}' is not whole days", "a period such as 30d or 28d")
        return v

    @field_validator("warehouse_url")
    @classmethod
    def _warehouse(cls, v: str | None) -> str | None:
        return v if v is None else check_warehouse_url(v)


class PipelineConfig(ConfigIn):
    """The validated configuration: the file's fields (:class:`ConfigIn`, the one list of
    them) with relative paths resolved and environment overrides applied, plus where it came
    from (``source``: the file, or "embedded defaults") and the line of each field there
    (``lines``: ``prometheus.url`` -> 7), so later problems can point at the file."""

    source: str = "embedded defaults"
    lines: dict[str, int] = {}

    def catalog(self, allow_empty: bool = False):
        """The SLO catalog as runs read it (a :class:`~sre_pipeline.slo.spec.loader.Catalog`):
        Sloth specs get ``sloth_period``, and time slices must fit ``bucket_minutes``. Raises
        :class:`SpecError` with every problem."""
        from sre_pipeline.slo.spec.loader import load_catalog
        from sre_pipeline.warehouse.engine import cache_dir

        return load_catalog(
            self.slos,
            parse_duration(self.sloth_period),
            allow_empty=allow_empty,
            bucket=timedelta(minutes=self.bucket_minutes),
            cache_dir=cache_dir(),
        )

    def prometheus_secrets(self) -> dict[str, str | None]:
        """The Prometheus secrets read now (see :func:`read_secrets`); none without Prometheus."""
        p = self.prometheus
        if p is None:
            return {"bearer_token": None, "basic_auth": None}
        names = {"bearer_token_env": p.bearer_token_env, "basic_auth_env": p.basic_auth_env}
        return read_secrets(names, self.source, self.lines)


def _secret_problem(key: str, var: str, value: str | None) -> str | None:
    if not value:
        return f"environment variable {var} is not set"
    if key == "basic_auth_env" and ":" not in value:
        return f"environment variable {var} holds no ':'"
    return None


def read_secrets(
    names: dict[str, str | None], file: str, lines: dict[str, int]
) -> dict[str, str | None]:
    """Values of the environment variables a configuration names (``{"bearer_token_env":
    "PROMETHEUS_TOKEN"}`` -> ``{"bearer_token": "..."}``), read when a run needs them.

    A named variable that is unset or empty (or ``USER:PASSWORD`` without the colon) raises
    :class:`SpecError` naming the configuration file and line, the field and the variable, so a
    run fails with that instead of a Dagster error about a missing ``EnvVar``.
    """
    values: dict[str, str | None] = {}
    problems = []
    for key, var in names.items():
        target, holds = SECRETS[key]
        values[target] = (os.environ.get(var) or None) if var else None
        message = _secret_problem(key, var, values[target]) if var else None
        if message:
            where = f"prometheus.{key}"
            expected = f"{var} set to {holds} where the pipeline runs"
            problems.append(Problem(file, None, where, message, expected, lines.get(where)))
    if problems:
        raise SpecError(problems)
    return values


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
    lines: dict[str, int] = {}
    if path is None:
        parsed, source = ConfigIn(), "embedded defaults"
    else:
        docs, problems = read_documents(path)
        ctx = DocContext(docs[0]) if docs else None
        parsed = ctx.validate(ConfigIn, docs[0].data or {}) if ctx else ConfigIn()
        problems += ctx.problems if ctx else []
        if problems:
            raise SpecError(problems)
        lines = {format_path(k): v for k, v in docs[0].lines.items()} if docs else {}
        base = path.parent
        parsed = parsed.model_copy(
            update={
                "slos": [str((base / p).resolve()) for p in parsed.slos],
                "capacity": str((base / parsed.capacity).resolve()) if parsed.capacity else None,
                "demo_plan": str((base / parsed.demo_plan).resolve()),
                "postmortems": None
                if parsed.postmortems is None
                else [str((base / p).resolve()) for p in parsed.postmortems],
                **{
                    key: str((base / getattr(parsed, key)).resolve())
                    for key in ("reviews_dir", "review_templates", "emergency_stop_file")
                    if getattr(parsed, key)
                },
                "email": _resolved_email(parsed.email, base),
                "tickets": _resolved_tickets(parsed.tickets, base),
            }
        )
        source = str(path)
    start = os.environ.get(ENV_START)  # set by `sre-pipeline backfill` for its own runs
    prometheus = parsed.prometheus
    if prometheus is None and os.environ.get("PROMETHEUS_URL"):
        prometheus = PrometheusIn(url=os.environ["PROMETHEUS_URL"])
    overrides = {
        "warehouse_url": os.environ.get("SRE_PIPELINE_WAREHOUSE_URL") or parsed.warehouse_url,
        "start_date": date.fromisoformat(start) if start else parsed.start_date,
        "prometheus": prometheus,
    }
    # model_construct: every field was validated above; the overrides are validated values too
    fields = {**dict(parsed), **overrides}
    return PipelineConfig.model_construct(**fields, source=source, lines=lines)
