"""Sloth ``prometheus/v1`` import, as a plain file or as the Kubernetes ``PrometheusServiceLevel``
resource (``apiVersion: sloth.slok.dev/v1``).

The resource nests the same body under ``spec`` and spells keys in camelCase as Kubernetes
does (``errorQuery``, ``pageAlert``), so the schema is built twice, once per spelling, and
unknown keys are suggested in the spelling of the document they appear in.

Sloth's period is a flag of ``sloth generate`` (30 days by default), not part of the spec, so
the caller passes it. Sloth always generates the Google workbook's multiwindow alerts: a
disabled ``page_alert`` or ``ticket_alert`` drops that severity's window pairs. With both
disabled Sloth generates recording rules only; the SLO then keeps the full window set (the
model needs at least one pair, and burn rates are still reported) and is marked
``aspirational``, so nothing pages or files tickets for it.
"""

from __future__ import annotations

import typing
from datetime import timedelta
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from sre_pipeline.inputs.durations import format_duration
from sre_pipeline.inputs.goyaml import resolve
from sre_pipeline.inputs.promql import PROMQL_EXPECTED, metricsql_error, promql_error
from sre_pipeline.inputs.validation import DocContext, InputModel, Number, invalid
from sre_pipeline.slo.model import SLI, SLO, AlertMeta, Source
from sre_pipeline.slo.periods import Period
from sre_pipeline.slo.spec import sloth_plugins
from sre_pipeline.slo.spec.native_schema import NAME_PATTERN, has_window, percent_to_ratio
from sre_pipeline.slo.spec.sloth_plugins import PluginsIn
from sre_pipeline.slo.windows import PAGE, TICKET, preset_windows

VERSION = "prometheus/v1"
CRD_API_VERSION = "sloth.slok.dev/v1"


def _query(value: str) -> str:
    # the query's dialect (PromQL or MetricsQL) is checked once the plugin chain is known
    if not has_window(value):
        raise invalid(
            "query has no {{.window}} placeholder",
            "PromQL such as sum(rate(http_requests_total[{{.window}}]))",
        )
    return value


class _CamelIn(InputModel):
    model_config = ConfigDict(alias_generator=to_camel)


def _schema(base: type[InputModel], key) -> type[InputModel]:
    """The body schema (service, labels, slos) with keys spelled by ``base``'s aliases."""

    class EventsIn(base):
        error_query: str
        total_query: str

        @field_validator("error_query", "total_query")
        @classmethod
        def _placeholder(cls, v: str) -> str:
            return _query(v)

    class RawIn(base):
        error_ratio_query: str

        @field_validator("error_ratio_query")
        @classmethod
        def _placeholder(cls, v: str) -> str:
            return _query(v)

    class PluginIn(base):
        id: str
        options: dict[str, Any] = {}

    class SLIIn(base):
        events: EventsIn | None = None
        raw: RawIn | None = None
        plugin: PluginIn | None = None

        @field_validator("plugin")
        @classmethod
        def _unsupported(cls, v):
            if v is None:  # "plugin:" with nothing under it: no plugin, as Sloth reads it
                return v
            raise invalid(
                f"SLI plugin '{v.id}' is not supported: Sloth runs the plugin's Go code to "
                "build the queries",
                f"its queries written out: events ({key('error_query')}, {key('total_query')}) "
                f"or raw ({key('error_ratio_query')}), as the plugin's code builds them from "
                "its options (sloth generate with the plugin prints them in the "
                "slo:sli_error:ratio_rate5m rule)",
            )

        @model_validator(mode="after")
        def _one(self):
            given = [k for k in ("events", "raw") if getattr(self, k)]
            if len(given) != 1:
                raise invalid(f"{len(given)} SLI kinds given", "exactly one of events or raw")
            return self

    class AlertIn(base):
        disable: bool = False
        labels: dict[str, str] = {}
        annotations: dict[str, str] = {}

    class AlertingIn(base):
        name: str | None = None
        labels: dict[str, str] = {}
        annotations: dict[str, str] = {}
        page_alert: AlertIn = AlertIn()
        ticket_alert: AlertIn = AlertIn()

        @model_validator(mode="after")
        def _named(self):
            if not self.name and not (self.page_alert.disable and self.ticket_alert.disable):
                raise invalid(
                    "alerting has no 'name'",
                    "an alert name such as MyServiceHighErrorRate (required unless both "
                    f"{key('page_alert')} and {key('ticket_alert')} are disabled)",
                )
            return self

    class SLOIn(base):
        name: str = Field(pattern=NAME_PATTERN)
        objective: Number
        description: str = ""
        labels: dict[str, str] = {}
        plugins: PluginsIn | None = None
        sli: SLIIn
        alerting: AlertingIn

        @field_validator("objective")
        @classmethod
        def _objective(cls, v: float) -> float:
            if not 0 < v < 100:
                raise invalid(f"objective {v} is out of range", "a percentage, e.g. 99.9")
            return v

    class BodyIn(base):
        service: str = Field(pattern=NAME_PATTERN)
        labels: dict[str, str] = {}
        slo_plugins: PluginsIn | None = None
        slos: list[SLOIn] = Field(min_length=1)

    return BodyIn


_Body = _schema(InputModel, lambda k: k)
_CamelBody = _schema(_CamelIn, to_camel)


def _aliases(model: type, seen: set | None = None) -> set[str]:
    """Every key a schema spells, nested models included."""
    seen = set() if seen is None else seen
    if model in seen:
        return set()
    seen.add(model)
    keys = set()
    for name, f in model.model_fields.items():
        keys.add(f.alias or name)
        for arg in typing.get_args(f.annotation) + (f.annotation,):
            inner = typing.get_args(arg) or (arg,)
            for t in inner:
                if isinstance(t, type) and issubclass(t, InputModel):
                    keys |= _aliases(t, seen)
    return keys


_CAMEL_KEYS = frozenset(_aliases(_CamelBody))


class SlothFileIn(_Body):
    """A plain Sloth file: ``version: prometheus/v1`` and the body at the top level."""

    version: Literal["prometheus/v1"]


class SlothResourceIn(InputModel):
    """The ``PrometheusServiceLevel`` resource; Kubernetes metadata is allowed and ignored."""

    api_version: Literal["sloth.slok.dev/v1"] = Field(alias="apiVersion")
    kind: Literal["PrometheusServiceLevel"]
    metadata: dict[str, Any] = {}
    spec: _CamelBody


def _sli(sli) -> SLI:
    if sli.events:
        e = sli.events
        return SLI(kind="events", bad_query=e.error_query, total_query=e.total_query)
    return SLI(kind="ratio", error_ratio_query=sli.raw.error_ratio_query)


def _as_text(node: object, ctx: DocContext, resource: bool, path: tuple = ()) -> object:
    """``node`` with every label and annotation value a string as Sloth decodes it: in a
    ``prometheus/v1`` file Go's YAML decoder makes ``generated: true`` ``"true"`` and ``le:
    0.20`` ``"0.2"`` (:func:`~sre_pipeline.inputs.goyaml.go_string`); the Kubernetes decoder
    refuses a value that is not a string, so the resource gets that error here too."""
    if isinstance(node, list):
        return [_as_text(v, ctx, resource, path + (i,)) for i, v in enumerate(node)]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        here = path + (key,)
        if key in ("labels", "annotations") and isinstance(value, dict):
            value = {k: _value_text(v, ctx, resource, here + (k,)) for k, v in value.items()}
        out[key] = _as_text(value, ctx, resource, here)
    return out


def _value_text(value: object, ctx: DocContext, resource: bool, path: tuple) -> object:
    plain = ctx.doc.plain_text(path)
    if plain is None or isinstance(value, dict | list):
        return value  # quoted or a block: a string already (else the schema reports it)
    kind, text = resolve(plain)
    if resource and kind not in ("str", "null"):
        ctx.problem(
            path,
            f"{kind} {plain} is not a string: Sloth's Kubernetes decoding refuses it",
            f'a quoted value, e.g. "{text}"',
        )
    return text


# keys whose contents are the user's own (label names may hold '_'), not Sloth's schema
FREE_FORM = ("labels", "annotations", "config", "options", "metadata")


def _drop_snake(node: object, ctx: DocContext, path: tuple) -> object:
    """The Kubernetes resource without snake_case keys Sloth's CRD has in camelCase
    (``page_alert`` for ``pageAlert``): Kubernetes decoding ignores unknown fields, so Sloth
    silently ignores them; here they are ignored too, with a warning naming the key."""
    if isinstance(node, list):
        return [_drop_snake(v, ctx, path + (i,)) for i, v in enumerate(node)]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        here = path + (key,)
        if isinstance(key, str) and "_" in key.strip("_") and to_camel(key) in _CAMEL_KEYS:
            ctx.problem(
                here,
                f"'{key}' is ignored, as Sloth ignores it in a Kubernetes resource (the "
                f"resource spells it '{to_camel(key)}')",
                f"'{to_camel(key)}'",
                warning=True,
            )
            continue
        out[key] = value if key in FREE_FORM else _drop_snake(value, ctx, here)
    return out


def key_of(resource: bool, key: str) -> str:
    """``key`` as the format spells it: camelCase in the Kubernetes resource."""
    return to_camel(key) if resource else key


def _queries_parse(ctx: DocContext, sli, plugins, path: tuple, resource: bool) -> bool:
    """Check the SLI's queries in the dialect the plugin chain validates (PromQL with Sloth's
    core validate plugin, MetricsQL with its VictoriaMetrics one); problems go to ``ctx``."""
    dialect = sloth_plugins.dialect(plugins)
    check = {"promql": promql_error, "metricsql": metricsql_error}.get(dialect)
    if check is None:
        return True  # a chain without a validation plugin: Sloth checks nothing either
    queries = (
        {"events": ("error_query", "total_query")}
        if sli.events
        else {"raw": ("error_ratio_query",)}
    )
    ok = True
    for block, names in queries.items():
        for name in names:
            reason = check(getattr(getattr(sli, block), name))
            if reason:
                what = "PromQL" if dialect == "promql" else "MetricsQL"
                expected = PROMQL_EXPECTED.replace("PromQL", what)
                ctx.problem(
                    path + (block, key_of(resource, name)),
                    f"{what} does not parse: {reason}",
                    expected,
                )
                ok = False
    return ok


def convert(ctx: DocContext, period: timedelta) -> list[SLO]:
    """Validate a Sloth document and convert its SLOs over ``period``; problems go to ``ctx``."""
    if period < timedelta(days=1) or period % timedelta(days=1):
        ctx.problem((), f"Sloth period {format_duration(period)} is not whole days", "e.g. 30d")
        return []
    resource = "apiVersion" in ctx.doc.data
    if resource and ctx.doc.data.get("kind") == "AlertWindows":
        ctx.problem(
            ("kind",),
            "an AlertWindows document is Sloth's alert-window catalog (sloth generate "
            "--slo-period-windows-path), not an SLO spec",
            "PrometheusServiceLevel; keep window catalogs out of the SLO paths (SLO windows "
            "are set per SLO in the native format's alerting.windows)",
        )
        return []
    data = _as_text(ctx.doc.data, ctx, resource)
    if resource:
        data = _drop_snake(data, ctx, ())
    doc = ctx.validate(SlothResourceIn if resource else SlothFileIn, data)
    if doc is None:
        return []
    body, prefix = (doc.spec, ("spec",)) if resource else (doc, ())
    group_path = prefix + ("sloPlugins" if resource else "slo_plugins",)
    out = []
    for i, slo in enumerate(body.slos):
        path = prefix + ("slos", i)
        plugins = sloth_plugins.chain(
            ctx, body.slo_plugins, slo.plugins, group_path, path + ("plugins",)
        )
        if plugins is None or not _queries_parse(ctx, slo.sli, plugins, path + ("sli",), resource):
            continue
        if slo.sli.events is None and any(p.id == sloth_plugins.DENOMINATOR for p in plugins):
            ctx.problem(
                path + ("sli",),
                "the denominator_corrected_rules plugin needs an events SLI (it weighs the "
                "errors by the total query)",
                f"sli.events with {key_of(resource, 'error_query')} and "
                f"{key_of(resource, 'total_query')}",
            )
            continue
        if 0 < slo.objective < 1:
            ctx.problem(
                prefix + ("slos", i, "objective"),
                f"objective {slo.objective} looks like a ratio, read as {slo.objective}%",
                f"a percentage, e.g. {slo.objective * 100:g} for {slo.objective * 100:g}%",
                warning=True,
            )
        alerting = slo.alerting
        off = {PAGE: alerting.page_alert.disable, TICKET: alerting.ticket_alert.disable}
        google = preset_windows("google", period)
        # a chain without Sloth's alert rules plugin generates no alerts, as both disabled
        alerts = any(p.id == sloth_plugins.ALERT_RULES for p in plugins)
        kept = tuple(w for w in google if not off[w.severity]) if alerts else ()
        out.append(
            SLO(
                id=f"{body.service}-{slo.name}",
                service=body.service,
                name=slo.name,
                description=slo.description,
                owner=body.labels.get("owner"),
                team=body.labels.get("team"),
                labels={**body.labels, **slo.labels},
                objective=percent_to_ratio(slo.objective),
                period=Period.rolling(period),
                sli=_sli(slo.sli),
                window_set="google",
                windows=kept or google,
                aspirational=not kept,
                rule_plugins=plugins,
                alert_meta=AlertMeta(
                    name=alerting.name,
                    labels=alerting.labels,
                    annotations=alerting.annotations,
                    by_severity_labels={
                        PAGE: alerting.page_alert.labels,
                        TICKET: alerting.ticket_alert.labels,
                    },
                    by_severity_annotations={
                        PAGE: alerting.page_alert.annotations,
                        TICKET: alerting.ticket_alert.annotations,
                    },
                ),
                source=Source(
                    format="sloth",
                    file=ctx.doc.file,
                    document=ctx.doc.index,
                    spec=doc.api_version if resource else doc.version,
                ),
            )
        )
    return out


# The format protocol (see loader.SpecFormat): name, detection, a reader.
NAME = "sloth"
EXPECTED_HEADER = "version: prometheus/v1"


def detect(data: dict) -> bool:
    """A Sloth file (``version: prometheus/v1``) or PrometheusServiceLevel resource."""
    return str(data.get("version", "")).startswith("prometheus/") or str(
        data.get("apiVersion", "")
    ).startswith("sloth.slok.dev/")


class Reader:
    """Sloth documents convert one at a time, with the period ``sloth generate`` would use."""

    def __init__(self, options) -> None:
        self.period = options.sloth_period

    def add(self, ctx: DocContext) -> list[SLO]:
        """The document's SLOs, converted now; its problems go to ``ctx``."""
        return convert(ctx, self.period)

    def finish(self) -> tuple[list[SLO], list]:
        """Nothing is deferred."""
        return [], []
