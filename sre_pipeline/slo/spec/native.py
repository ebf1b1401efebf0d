"""The native spec format (``apiVersion: sre-pipeline/v1``), documented in docs/slo-spec.md:
conversion of a validated document (see :mod:`native_schema`) into the model.

Percentages are written as people say them (``objective: 99.9``); the loader converts them to
ratios for the model.
"""

from __future__ import annotations

from sre_pipeline.inputs.durations import parse_duration
from sre_pipeline.inputs.promql import promql_error, render
from sre_pipeline.inputs.validation import DocContext
from sre_pipeline.slo.model import SLI, SLO, Budgeting, Source
from sre_pipeline.slo.periods import Period
from sre_pipeline.slo.rules.promql import sli_templates
from sre_pipeline.slo.spec.native_schema import DocumentIn, SLIIn, SLOIn, percent_to_ratio, tier_of
from sre_pipeline.slo.windows import WindowPair, factor_for_share, preset_windows


def _windows(slo: SLOIn, period: Period) -> tuple[WindowPair, ...]:
    if not slo.alerting.windows:
        return preset_windows(slo.alerting.window_set, period.nominal)
    pairs = []
    for w in slo.alerting.windows:
        long, short = parse_duration(w.long), parse_duration(w.short)
        factor = w.factor or factor_for_share(w.budget_percent / 100, period.nominal, long)
        pairs.append(WindowPair(long, short, factor, w.severity))
    return tuple(pairs)


def _sli(sli: SLIIn) -> SLI:
    if sli.events:
        e = sli.events
        return SLI(kind="events", good_query=e.good, bad_query=e.bad, total_query=e.total)
    if sli.latency:
        lat = sli.latency
        m = lat.matchers
        matchers = tuple(m) if isinstance(m, list) else tuple(f'{k}="{v}"' for k, v in m.items())
        return SLI(kind="latency", metric=lat.metric, matchers=matchers, threshold=lat.threshold)
    if sli.ratio:
        return SLI(kind="ratio", error_ratio_query=sli.ratio.error_ratio)
    return SLI(kind="probe", probe_query=sli.probe.query)


def _check_generated(ctx: DocContext, path: tuple, sli: SLI) -> None:
    """The queries built from a latency SLI's metric and matchers must parse too (a matcher
    such as ``job=api`` or a value with a quote breaks them)."""
    if sli.kind != "latency":
        return
    for query in sli_templates(sli).values():
        reason = promql_error(query)
        if reason:
            ctx.problem(
                path + ("sli", "latency", "matchers"),
                f"the generated query does not parse: {reason} ({render(query, '5m')})",
                'matchers such as job="api" or {job: api}',
            )
            return


def convert(ctx: DocContext) -> list[SLO]:
    """Validate a native document and convert its SLOs; problems go to ``ctx``."""
    doc = ctx.validate(DocumentIn, ctx.doc.data)
    if doc is None:
        return []
    out = []
    for i, slo in enumerate(doc.slos):
        path = ("slos", i)
        if 0 < slo.objective < 1:
            ctx.problem(
                path + ("objective",),
                f"objective {slo.objective} looks like a ratio, read as {slo.objective}%",
                f"a percentage, e.g. {slo.objective * 100:g} for {slo.objective * 100:g}%",
                warning=True,
            )
        tiers = tuple(tier_of(t) for t in slo.policy_tiers) if slo.policy_tiers else None
        period = slo.period.to_period()
        budgeting = Budgeting(
            method=slo.budgeting.method,
            slice=parse_duration(slo.budgeting.slice) if slo.budgeting.slice else None,
            slice_target=percent_to_ratio(slo.budgeting.slice_target)
            if slo.budgeting.slice_target
            else None,
        )
        extra = {"policy_tiers": tiers} if tiers else {}
        sli = _sli(slo.sli)
        _check_generated(ctx, path, sli)
        out.append(
            SLO(
                id=f"{doc.service.name}-{slo.name}",
                service=doc.service.name,
                name=slo.name,
                description=slo.description,
                owner=doc.service.owner,
                team=doc.service.team,
                labels={**doc.service.labels, **slo.labels},
                objective=percent_to_ratio(slo.objective),
                period=period,
                budgeting=budgeting,
                sli=sli,
                window_set="custom" if slo.alerting.windows else slo.alerting.window_set,
                windows=_windows(slo, period),
                aspirational=slo.aspirational,
                source=Source(
                    format="native",
                    file=ctx.doc.file,
                    document=ctx.doc.index,
                    spec=str(ctx.doc.data.get("apiVersion") or "sre-pipeline/v1"),
                ),
                **extra,
            )
        )
    return out


# The format protocol (see loader.SpecFormat): name, detection, a reader.
NAME = "native"
EXPECTED_HEADER = "apiVersion: sre-pipeline/v1"


def detect(data: dict) -> bool:
    """A native document: ``apiVersion: sre-pipeline/...``, or ``service`` and ``slos``."""
    return str(data.get("apiVersion", "")).startswith("sre-pipeline/") or (
        "service" in data and "slos" in data
    )


class Reader:
    """Native documents convert one at a time."""

    def __init__(self, options) -> None:
        """No load option applies to this format."""

    def add(self, ctx: DocContext) -> list[SLO]:
        """The document's SLOs, converted now; its problems go to ``ctx``."""
        return convert(ctx)

    def finish(self) -> tuple[list[SLO], list]:
        """Nothing is deferred."""
        return [], []
