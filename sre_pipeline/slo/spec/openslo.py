"""OpenSLO v1 import: Service, SLI, SLO, AlertPolicy and AlertCondition documents, inline or
referenced by name across files.

The loader hands every ``openslo/*`` document to :meth:`Registry.add`, which validates it
against the schema (:mod:`~sre_pipeline.slo.spec.openslo_kinds`) and keeps it by kind and name;
:meth:`Registry.resolve` runs once all files are read, so an SLO may reference an SLI or an
AlertPolicy defined in another file. Each objective of an SLO becomes one model SLO.

Alert conditions become window pairs: the long window is ``lookbackWindow``, the short one a
twelfth of it (the Google workbook's convention), the factor is the burn-rate threshold.
An SLO without alert policies gets the Google window set. ``DataSource`` documents tell
which metrics are collectable; ``AlertNotificationTarget`` documents are validated and
unused (Alertmanager routes alerts); a Service that is referenced
but not defined is fine (the name is all an SLO needs from it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel

from sre_pipeline.inputs.problems import Problem, did_you_mean
from sre_pipeline.inputs.validation import DocContext
from sre_pipeline.slo.model import SLO, Budgeting, Source
from sre_pipeline.slo.spec import openslo_v1alpha as v1alpha
from sre_pipeline.slo.spec import openslo_v2alpha as v2alpha
from sre_pipeline.slo.spec.openslo_kinds import (
    DOCS,
    PolicyItemIn,
    SLODoc,
    SLOSpecIn,
)
from sre_pipeline.slo.spec.openslo_schema import DATA_SOURCES, InlineSLIIn, SLISpecIn, label_values
from sre_pipeline.slo.windows import WindowPair, preset_windows

WINDOW_SET = "openslo"
VERSIONS = {  # apiVersion -> (kind -> schema, every kind the version has)
    "openslo/v1": (DOCS, tuple(DOCS)),
    "openslo/v1alpha": (v1alpha.DOCS, tuple(v1alpha.DOCS)),
    "openslo.com/v2alpha": (v2alpha.DOCS, tuple(v2alpha.DOCS)),
}


@dataclass
class _Def:
    """A named document and the context its problems are reported in."""

    ctx: DocContext
    doc: BaseModel | None  # None when invalid: its problems are reported, references stay quiet


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


class Registry:
    """Every OpenSLO document seen so far, by kind and ``metadata.name``."""

    def __init__(self, strict_references: bool = True) -> None:
        self._defs: dict[str, dict[str, _Def]] = {kind: {} for kind in DOCS}
        self._slos: list[_Def] = []
        # False (``validate``): a reference to an object the files given do not define is a
        # warning, as OpenSLO's reference validator does not check references at all; the
        # SLO that needs it is then not evaluated. A pipeline run refuses such a catalog.
        self.strict_references = strict_references

    def add(self, ctx: DocContext) -> None:
        """Validate one document; its problems go to ``ctx``."""
        data = ctx.doc.data
        kind = data.get("kind")
        version = data.get("apiVersion")
        if kind is not None and not isinstance(kind, str):
            ctx.problem(("kind",), f"kind {kind!r} is not a name", "e.g. kind: SLO")
            return
        if version not in VERSIONS:
            ctx.problem(
                ("apiVersion",),
                f"unsupported OpenSLO apiVersion '{version}'",
                ", ".join(VERSIONS),
            )
            return
        docs, kinds = VERSIONS[version]
        if kind not in docs:
            what = f"unknown kind '{kind}'{did_you_mean(kind, kinds)}" if kind else "no 'kind'"
            if kind in DOCS:
                what = f"kind '{kind}' does not exist in {version}"
            ctx.problem(("kind",), what, "one of: " + ", ".join(kinds))
            return
        doc = ctx.validate(docs[kind], data)
        name = doc.metadata.name if doc else _raw_name(data)
        if name is None:
            return
        first = self._defs[kind].get(name)
        if first is not None:
            where = f"{first.ctx.doc.file} (document {first.ctx.doc.index})"
            # two SLOs of one name would be one id; other kinds: references take the first
            ctx.problem(
                ("metadata", "name"),
                f"duplicate {kind} name '{name}', first defined in {where}"
                + ("" if kind == "SLO" else "; references use the first"),
                f"each {kind} name once across all files",
                warning=kind != "SLO",
            )
            return
        self._defs[kind][name] = _Def(ctx, doc)
        if kind == "SLO" and doc is not None:
            self._slos.append(self._defs[kind][name])

    def resolve(self) -> tuple[list[SLO], list[Problem]]:
        """Resolve references and convert every valid SLO; returns SLOs and new problems."""
        sources = {n: d.doc.spec.type for n, d in self._defs["DataSource"].items() if d.doc}
        token = DATA_SOURCES.set(sources)
        try:
            return self._resolve()
        finally:
            DATA_SOURCES.reset(token)

    def _resolve(self) -> tuple[list[SLO], list[Problem]]:
        problems: list[Problem] = []
        # the queries, once every DataSource is known: a Prometheus one must be PromQL
        for kind in ("SLI", "SLO"):
            for d in self._defs[kind].values():
                rctx = DocContext(d.ctx.doc)
                for path, sli in _inline_slis(kind, d.doc):
                    for where, message, expected in sli.problems(path):
                        rctx.problem(where, message, expected)
                problems += rctx.problems
        policies: dict[str, tuple[WindowPair, ...] | None] = {}
        # named policies first, so that a broken one is reported once, not once per SLO
        for name, d in self._defs["AlertPolicy"].items():
            rctx = DocContext(d.ctx.doc)
            policies[name] = self._pairs(rctx, d.doc.spec, ("spec",)) if d.doc else None
            problems += rctx.problems
        slos: list[SLO] = []
        for d in self._slos:
            rctx = DocContext(d.ctx.doc)
            if isinstance(d.doc, v1alpha.SLODoc):
                slos += v1alpha.convert(rctx, d.doc)
            else:
                slos += self._convert(rctx, d.doc, policies)
            problems += rctx.problems
        return slos, problems

    def _lookup(self, ctx: DocContext, kind: str, name: str, path: tuple) -> BaseModel | None:
        """The referenced document, or None (reported here when the name is unknown)."""
        known = self._defs[kind]
        if name in known:
            return known[name].doc
        names = ", ".join(sorted(known)) or "none defined in the files loaded"
        lenient = not self.strict_references
        ctx.problem(
            path,
            f"no {kind} named '{name}'{did_you_mean(name, known)}"
            + (
                " in the files given: this SLO is not evaluated (a pipeline run refuses it)"
                if lenient
                else ""
            ),
            f"the metadata.name of an {kind} ({names})",
            warning=lenient,
        )
        return None

    def _pairs(self, ctx: DocContext, spec, path: tuple) -> tuple[WindowPair, ...] | None:
        """Window pairs of an alert policy's conditions, or None when one cannot be resolved."""
        pairs, ok = [], True
        for j, item in enumerate(spec.conditions):
            cond = item.spec
            if item.condition_ref is not None:
                where = path + ("conditions", j, "conditionRef")
                found = self._lookup(ctx, "AlertCondition", item.condition_ref, where)
                cond = found.spec if found else None
            if cond is None:
                ok = False
            elif (pair := cond.window_pair()) is None:
                ctx.problem(
                    path + ("conditions", j),
                    f"op '{cond.condition.op}' alerts while the burn rate is below its "
                    "threshold, i.e. while the budget is safe: this condition is not evaluated",
                    "op: gt or gte",
                    warning=True,
                )
            else:
                pairs.append(pair)
        return tuple(pairs) if ok else None

    def _windows(self, ctx: DocContext, items: list[PolicyItemIn], policies: dict):
        """All window pairs of an SLO's alert policies, or None when one cannot be resolved."""
        pairs, ok = [], True
        for i, item in enumerate(items):
            path = ("spec", "alertPolicies", i)
            if item.alert_policy_ref is None:
                got = self._pairs(ctx, item.spec, path + ("spec",))
            else:
                where = path + ("alertPolicyRef",)
                found = self._lookup(ctx, "AlertPolicy", item.alert_policy_ref, where)
                got = policies.get(item.alert_policy_ref) if found else None
            if got is None:
                ok = False
            else:
                pairs += got
        # a policy referenced twice would otherwise alert twice on the same pair
        return tuple(dict.fromkeys(pairs)) if ok else None

    def _indicator(
        self,
        ctx: DocContext,
        inline: InlineSLIIn | None,
        ref: str | None,
        path: tuple,
        v2: bool = False,
    ) -> tuple[bool, SLISpecIn | None]:
        """(whether an indicator is given, its spec or None when it cannot be resolved)."""
        if inline is not None:
            return True, inline.spec
        if ref is None:
            return False, None
        found = self._lookup(ctx, "SLI", ref, path + ("sliRef" if v2 else "indicatorRef",))
        return True, found.spec if found else None

    def _convert(self, ctx: DocContext, doc: SLODoc, policies: dict) -> list[SLO]:
        """Model SLOs of one SLO document, one per objective; problems go to ``ctx``."""
        spec: SLOSpecIn = doc.spec
        n_errors = len(ctx.problems)
        windows = self._windows(ctx, spec.alert_policies, policies)
        v2 = isinstance(doc, v2alpha.SLODoc)
        given, base = self._indicator(ctx, spec.indicator, spec.indicator_ref, ("spec",), v2)
        indicators = []
        for i, obj in enumerate(spec.objectives):
            path = ("spec", "objectives", i)
            own, sli = self._indicator(ctx, obj.indicator, obj.indicator_ref, path, v2)
            indicators.append(sli if own else base)
            if own and given:  # go-sdk: an SLO is standard or composite, not both
                ctx.problem(
                    path,
                    "an indicator on the objective and one on the SLO",
                    "the indicator on the SLO (standard) or on each objective (composite)",
                )
            if not own and not given:
                ctx.problem(
                    path if len(spec.objectives) > 1 else ("spec",),
                    "no indicator",
                    "indicator or indicatorRef on the SLO (or on each objective)",
                )
            _check_slices(ctx, spec.budgeting_method, obj, path)
        self._check_comparison(ctx, spec)
        if not spec.objectives:
            ctx.problem(
                ("spec", "objectives"),
                "the SLO has no objectives: nothing to evaluate",
                "objectives: [{target: 0.999}]",
                warning=True,
            )
        errors = [p for p in ctx.problems[n_errors:] if p.severity == "error"]
        if errors or None in indicators or windows is None:
            return []
        period = spec.time_window[0].to_period()
        # policies given, none evaluable (lt/lte only): no alerts rather than the default set
        silent = bool(spec.alert_policies) and windows == ()
        if silent:
            ctx.problem(
                ("spec", "alertPolicies"),
                "no condition of the alert policies is evaluated: the SLO gets no burn-rate "
                "alerts (aspirational)",
                "a burnrate condition with op gt or gte",
                warning=True,
            )
        service = self._defs["Service"].get(spec.service)
        svc_labels = label_values(service.doc.metadata.labels) if service and service.doc else {}
        labels = label_values(doc.metadata.labels)
        out = []
        for i, (obj, sli) in enumerate(zip(spec.objectives, indicators, strict=True)):
            name = doc.metadata.name
            if len(spec.objectives) > 1:
                name += "-" + (_slug(obj.name or obj.display_name or "") or str(i + 1))
            budgeting = Budgeting()
            if spec.budgeting_method == "Timeslices":
                budgeting = Budgeting(
                    method="timeslices", slice=obj.slice, slice_target=obj.time_slice_target
                )
            elif spec.budgeting_method == "RatioTimeslices":
                budgeting = Budgeting(method="ratio_timeslices", slice=obj.slice)
            model_sli, note = sli.to_model((obj.op, obj.value))
            if note:
                ctx.problem(
                    ("spec", "objectives", i) if len(spec.objectives) > 1 else ("spec",),
                    f"not collected: {note}; the SLO is listed in the catalog only",
                    "a Prometheus-compatible ratioMetric with Occurrences or Timeslices to "
                    "evaluate it",
                    warning=True,
                )
            out.append(
                SLO(
                    id=f"{spec.service}-{name}",
                    service=spec.service,
                    name=name,
                    description=spec.description,
                    owner=svc_labels.get("owner", labels.get("owner")),
                    team=svc_labels.get("team", labels.get("team")),
                    labels=labels,
                    objective=obj.ratio,
                    period=period,
                    budgeting=budgeting,
                    sli=model_sli,
                    collectable=not note,
                    note=note,
                    aspirational=silent,
                    window_set=WINDOW_SET if windows else "google",
                    windows=windows or preset_windows("google", period.nominal),
                    source=Source(
                        format="openslo",
                        file=ctx.doc.file,
                        document=ctx.doc.index,
                        spec=doc.api_version,
                    ),
                )
            )
        return out

    @staticmethod
    def _check_comparison(ctx: DocContext, spec: SLOSpecIn) -> None:
        """``op`` and ``value`` compare a thresholdMetric: with an inline ratioMetric
        indicator they are forbidden, as in OpenSLO's reference validator (which checks them
        only against an inline indicator); with an inline thresholdMetric they are required."""
        sli = spec.indicator.spec if spec.indicator else None
        if sli is None:
            return
        for i, obj in enumerate(spec.objectives):
            for key, value in (("op", obj.op), ("value", obj.value)):
                if sli.ratio_metric is not None and value is not None:
                    ctx.problem(
                        ("spec", "objectives", i, key),
                        f"'{key}' is forbidden with a ratioMetric indicator (it compares a "
                        "thresholdMetric)",
                        "target or targetPercent only",
                    )
                elif sli.threshold_metric is not None and value is None:
                    ctx.problem(
                        ("spec", "objectives", i),
                        f"no '{key}': a thresholdMetric indicator is compared with op and value",
                        "op: gt, gte, lt or lte, and value: <number>",
                    )


def _inline_slis(kind: str, doc) -> list[tuple[tuple, SLISpecIn]]:
    """The SLI specs a valid document holds, with their paths: an SLI's own, an SLO's inline
    indicators (on the SLO and on each objective)."""
    if doc is None:
        return []
    if kind == "SLI":
        return [(("spec",), doc.spec)]
    if kind != "SLO" or not isinstance(doc, SLODoc | v2alpha.SLODoc):
        return []
    key = "sli" if isinstance(doc, v2alpha.SLODoc) else "indicator"
    found = [(("spec", key, "spec"), doc.spec.indicator.spec)] if doc.spec.indicator else []
    for i, obj in enumerate(doc.spec.objectives):
        if obj.indicator is not None:
            found.append((("spec", "objectives", i, key, "spec"), obj.indicator.spec))
    return found


def _check_slices(ctx: DocContext, method: str, obj, path: tuple) -> None:
    """As OpenSLO's validator: Timeslices need a slice target and length per objective,
    RatioTimeslices a length; with Occurrences they are ignored (a warning)."""
    fields = {"timeSliceTarget": obj.time_slice_target, "timeSliceWindow": obj.time_slice_window}
    needed = {"Timeslices": tuple(fields), "RatioTimeslices": ("timeSliceWindow",)}
    for key, value in fields.items():
        if key in needed.get(method, ()) and value is None:
            ctx.problem(
                path + (key,),
                f"budgetingMethod {method} needs '{key}'",
                "e.g. timeSliceTarget: 0.95 and timeSliceWindow: 1m",
            )
        elif method == "Occurrences" and value is not None:
            message = f"'{key}' is ignored with budgetingMethod Occurrences"
            ctx.problem(path + (key,), message, "budgetingMethod: Timeslices", warning=True)


def _raw_name(data: dict) -> str | None:
    """``metadata.name`` of a document that failed validation, so references to it stay quiet."""
    meta = data.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) else None


# The format protocol (see loader.SpecFormat): name, detection, a reader.
NAME = "openslo"
EXPECTED_HEADER = "apiVersion: openslo/v1 (or openslo/v1alpha)"


def detect(data: dict) -> bool:
    """An OpenSLO document: ``apiVersion: openslo/...`` (or ``openslo.com/...``, v2alpha's)."""
    return str(data.get("apiVersion", "")).startswith(("openslo/", "openslo.com/"))


class Reader:
    """OpenSLO documents reference each other across files: collected first, resolved at the
    end."""

    def __init__(self, options) -> None:
        self.registry = Registry(options.strict_references)

    def add(self, ctx: DocContext) -> list[SLO]:
        """Validate one document (its problems go to ``ctx``); its SLOs come at the end."""
        self.registry.add(ctx)
        return []

    def finish(self) -> tuple[list[SLO], list[Problem]]:
        """Every SLO with its references resolved, and the problems resolving found."""
        return self.registry.resolve()
