"""The probe cases: small OpenSLO files, each meeting or breaking one rule of go-sdk's
validator.

Written for this project (not taken from OpenSLO). ``write_cases(out)`` writes them under
``out`` and returns their file names; ``verdicts.json`` holds what oslo (go-sdk v0.6.2) and
go-sdk v0.9.2 say of each.
"""

# ruff: noqa: E501, E701, E702, E731, E741
import copy
import json
from pathlib import Path

import yaml

OUT = Path(".")
cases: list[str] = []


def write_cases(out: Path) -> list[str]:
    """Write every case under ``out``; returns the file names."""
    global OUT
    OUT = out
    out.mkdir(parents=True, exist_ok=True)
    cases.clear()
    _generate()
    return [c if c.endswith(".json") else f"{c}.yaml" for c in cases]


def dump(o):
    return yaml.safe_dump(o, sort_keys=False, width=10000)


def add(cid, obj=None, raw=None):
    cases.append(cid)
    with open(f"{OUT}/{cid}.yaml" if not cid.endswith(".json") else f"{OUT}/{cid}", "w") as f:
        f.write(raw if raw is not None else dump(obj))


def setp(o, path, val):
    """path like 'spec.timeWindow.0.duration'; val=DEL deletes"""
    parts = path.split(".")
    cur = o
    for p in parts[:-1]:
        cur = cur[int(p)] if isinstance(cur, list) else cur.setdefault(p, {})
    last = parts[-1]
    if val is DEL:
        if isinstance(cur, list):
            del cur[int(last)]
        else:
            cur.pop(last, None)
    else:
        if isinstance(cur, list):
            cur[int(last)] = val
        else:
            cur[last] = val


DEL = object()


def mut(base, *pairs):
    o = copy.deepcopy(base)
    for i in range(0, len(pairs), 2):
        setp(o, pairs[i], pairs[i + 1])
    return o


def _generate():
    L64 = "a" * 64
    L63 = "a" * 63
    D1051 = "d" * 1051
    D1050 = "d" * 1050
    # ---------------- v1 bases
    V1 = "openslo/v1"

    def v1obj(kind, spec, name="x"):
        return {"apiVersion": V1, "kind": kind, "metadata": {"name": name}, "spec": spec}

    ms = {"metricSource": {"type": "Prometheus", "spec": {"query": "q"}}}
    v1svc = v1obj("Service", {"description": "d"})
    v1sli_t = v1obj("SLI", {"thresholdMetric": copy.deepcopy(ms)})
    v1sli_r = v1obj(
        "SLI",
        {"ratioMetric": {"counter": True, "good": copy.deepcopy(ms), "total": copy.deepcopy(ms)}},
    )
    v1ds = v1obj("DataSource", {"type": "Prometheus", "connectionDetails": {"url": "http://x"}})
    v1ac = v1obj(
        "AlertCondition",
        {
            "severity": "page",
            "condition": {
                "kind": "burnrate",
                "op": "lte",
                "threshold": 2,
                "lookbackWindow": "1h",
                "alertAfter": "5m",
            },
        },
    )
    v1ant = v1obj("AlertNotificationTarget", {"target": "slack"})
    v1ap = v1obj(
        "AlertPolicy",
        {"conditions": [{"conditionRef": "c"}], "notificationTargets": [{"targetRef": "t"}]},
    )
    v1slo = v1obj(
        "SLO",
        {
            "service": "svc",
            "indicatorRef": "sli",
            "budgetingMethod": "Occurrences",
            "timeWindow": [{"duration": "28d", "isRolling": True}],
            "objectives": [{"target": 0.99}],
        },
    )
    inl_ratio = {"metadata": {"name": "i"}, "spec": copy.deepcopy(v1sli_r["spec"])}
    inl_thr = {"metadata": {"name": "i"}, "spec": copy.deepcopy(v1sli_t["spec"])}
    for n, b in [
        ("svc", v1svc),
        ("sli_t", v1sli_t),
        ("sli_r", v1sli_r),
        ("ds", v1ds),
        ("ac", v1ac),
        ("ant", v1ant),
        ("ap", v1ap),
        ("slo", v1slo),
    ]:
        add(f"v1_base_{n}", [b])
    # metadata
    add("v1_md_name_missing", [mut(v1svc, "metadata.name", DEL)])
    add("v1_md_missing", [mut(v1svc, "metadata", DEL)])
    add("v1_md_name_upper", [mut(v1svc, "metadata.name", "MySvc")])
    add("v1_md_name_64", [mut(v1svc, "metadata.name", L64)])
    add("v1_md_name_63", [mut(v1svc, "metadata.name", L63)])
    add("v1_md_name_dash_end", [mut(v1svc, "metadata.name", "svc-")])
    add("v1_md_name_dot", [mut(v1svc, "metadata.name", "my.svc")])
    add("v1_md_name_int", [mut(v1svc, "metadata.name", 123)])
    add("v1_md_dn_64", [mut(v1svc, "metadata.displayName", L64)])
    add("v1_md_dn_63", [mut(v1svc, "metadata.displayName", L63)])
    add("v1_md_dn_64_unicode", [mut(v1svc, "metadata.displayName", "ą" * 63)])
    add(
        "v1_md_labels_ok",
        [
            mut(
                v1svc,
                "metadata.labels",
                {"env": "prod", "team": ["a", "b"], "A.b_c-D": [], "x": None},
            )
        ],
    )
    add("v1_md_labels_badkey", [mut(v1svc, "metadata.labels", {"invalid key": ["a"]})])
    add("v1_md_labels_key_prefix", [mut(v1svc, "metadata.labels", {"openslo.com/team": ["a"]})])
    add("v1_md_labels_key64", [mut(v1svc, "metadata.labels", {L64: ["a"]})])
    add("v1_md_labels_value_weird", [mut(v1svc, "metadata.labels", {"env": ["Prod Env!", ""]})])
    add("v1_md_labels_value_int", [mut(v1svc, "metadata.labels", {"env": 1})])
    add("v1_md_labels_value_map", [mut(v1svc, "metadata.labels", {"env": {"a": "b"}})])
    add(
        "v1_md_ann_ok",
        [
            mut(
                v1svc,
                "metadata.annotations",
                {"openslo.com/service-folder": "./x", "plain": "v", "Key_1.x": "v"},
            )
        ],
    )
    add("v1_md_ann_badkey", [mut(v1svc, "metadata.annotations", {"bad key": "v"})])
    add("v1_md_ann_badprefix", [mut(v1svc, "metadata.annotations", {"Open_SLO.com/x": "v"})])
    add("v1_md_ann_twoslash", [mut(v1svc, "metadata.annotations", {"a/b/c": "v"})])
    add("v1_md_ann_long", [mut(v1svc, "metadata.annotations", {"a" * 64: "v"})])
    add("v1_md_ann_value_int", [mut(v1svc, "metadata.annotations", {"a": 1})])
    add("v1_md_unknown", [mut(v1svc, "metadata.foo", "bar")])
    add("v1_top_unknown", [mut(v1svc, "status", "bar")])
    # service
    add("v1_svc_desc_1051", [mut(v1svc, "spec.description", D1051)])
    add("v1_svc_desc_1050", [mut(v1svc, "spec.description", D1050)])
    add("v1_svc_nospec", [mut(v1svc, "spec", DEL)])
    add("v1_svc_spec_empty", [mut(v1svc, "spec", {})])
    add("v1_svc_spec_null", [mut(v1svc, "spec", None)])
    # datasource
    add("v1_ds_type_missing", [mut(v1ds, "spec.type", DEL)])
    add("v1_ds_cd_missing", [mut(v1ds, "spec.connectionDetails", DEL)])
    add("v1_ds_cd_null", [mut(v1ds, "spec.connectionDetails", None)])
    add("v1_ds_cd_empty_map", [mut(v1ds, "spec.connectionDetails", {})])
    add("v1_ds_cd_list", [mut(v1ds, "spec.connectionDetails", [{"url": "x"}])])
    add("v1_ds_cd_string", [mut(v1ds, "spec.connectionDetails", "str")])
    add("v1_ds_nospec", [mut(v1ds, "spec", DEL)])
    add("v1_ds_desc_1051", [mut(v1ds, "spec.description", D1051)])
    # SLI
    add("v1_sli_none", [mut(v1sli_t, "spec", {"description": "d"})])
    add(
        "v1_sli_both",
        [mut(v1sli_t, "spec.ratioMetric", copy.deepcopy(v1sli_r["spec"]["ratioMetric"]))],
    )
    add("v1_sli_nospec", [mut(v1sli_t, "spec", DEL)])
    add("v1_sli_desc_1051", [mut(v1sli_t, "spec.description", D1051)])
    add("v1_sli_ms_missing", [mut(v1sli_t, "spec.thresholdMetric", {})])
    add("v1_sli_ms_null", [mut(v1sli_t, "spec.thresholdMetric", None)])
    add("v1_sli_ms_empty", [mut(v1sli_t, "spec.thresholdMetric.metricSource", {})])
    add("v1_sli_ms_spec_missing", [mut(v1sli_t, "spec.thresholdMetric.metricSource.spec", DEL)])
    add("v1_sli_ms_spec_empty", [mut(v1sli_t, "spec.thresholdMetric.metricSource.spec", {})])
    add("v1_sli_ms_spec_list", [mut(v1sli_t, "spec.thresholdMetric.metricSource.spec", ["a"])])
    add("v1_sli_ms_type_missing", [mut(v1sli_t, "spec.thresholdMetric.metricSource.type", DEL)])
    add(
        "v1_sli_ms_type_weird",
        [mut(v1sli_t, "spec.thresholdMetric.metricSource.type", "not a Type!")],
    )
    add(
        "v1_sli_ms_ref_ok",
        [mut(v1sli_t, "spec.thresholdMetric.metricSource.metricSourceRef", "my-prom")],
    )
    add(
        "v1_sli_ms_ref_bad",
        [mut(v1sli_t, "spec.thresholdMetric.metricSource.metricSourceRef", "My Prom")],
    )
    add(
        "v1_sli_ms_ref_only",
        [mut(v1sli_t, "spec.thresholdMetric.metricSource", {"metricSourceRef": "my-prom"})],
    )
    add("v1_sli_ms_unknown", [mut(v1sli_t, "spec.thresholdMetric.metricSource.foo", "x")])
    add(
        "v1_sli_r_bad",
        [mut(v1sli_r, "spec.ratioMetric.good", DEL, "spec.ratioMetric.bad", copy.deepcopy(ms))],
    )
    add("v1_sli_r_good_bad", [mut(v1sli_r, "spec.ratioMetric.bad", copy.deepcopy(ms))])
    add("v1_sli_r_no_good_bad", [mut(v1sli_r, "spec.ratioMetric.good", DEL)])
    add("v1_sli_r_no_total", [mut(v1sli_r, "spec.ratioMetric.total", DEL)])
    add("v1_sli_r_empty", [mut(v1sli_r, "spec.ratioMetric", {})])
    add("v1_sli_r_empty_counter", [mut(v1sli_r, "spec.ratioMetric", {"counter": True})])
    add("v1_sli_r_no_counter", [mut(v1sli_r, "spec.ratioMetric.counter", DEL)])
    add("v1_sli_r_counter_str", [mut(v1sli_r, "spec.ratioMetric.counter", "yes")])
    add(
        "v1_sli_raw_ok",
        [mut(v1sli_r, "spec.ratioMetric", {"rawType": "success", "raw": copy.deepcopy(ms)})],
    )
    add(
        "v1_sli_raw_failure",
        [mut(v1sli_r, "spec.ratioMetric", {"rawType": "failure", "raw": copy.deepcopy(ms)})],
    )
    add("v1_sli_raw_notype", [mut(v1sli_r, "spec.ratioMetric", {"raw": copy.deepcopy(ms)})])
    add(
        "v1_sli_raw_badtype",
        [mut(v1sli_r, "spec.ratioMetric", {"rawType": "foo", "raw": copy.deepcopy(ms)})],
    )
    add(
        "v1_sli_raw_total",
        [
            mut(
                v1sli_r,
                "spec.ratioMetric",
                {"rawType": "success", "raw": copy.deepcopy(ms), "total": copy.deepcopy(ms)},
            )
        ],
    )
    add(
        "v1_sli_raw_good",
        [
            mut(
                v1sli_r,
                "spec.ratioMetric",
                {"rawType": "success", "raw": copy.deepcopy(ms), "good": copy.deepcopy(ms)},
            )
        ],
    )
    add("v1_sli_rawtype_only_with_total", [mut(v1sli_r, "spec.ratioMetric.rawType", "success")])
    add(
        "v1_sli_r_good_ms_bad",
        [
            mut(
                v1sli_r,
                "spec.ratioMetric.good.metricSource.spec",
                {},
                "spec.ratioMetric.total.metricSource.metricSourceRef",
                "BAD",
            )
        ],
    )
    add(
        "v1_sli_raw_ms_bad",
        [
            mut(
                v1sli_r,
                "spec.ratioMetric",
                {"rawType": "success", "raw": {"metricSource": {"spec": {}}}},
            )
        ],
    )
    # AlertCondition
    add("v1_ac_nospec", [mut(v1ac, "spec", DEL)])
    add("v1_ac_sev_missing", [mut(v1ac, "spec.severity", DEL)])
    add("v1_ac_sev_any", [mut(v1ac, "spec.severity", "whatever Severity")])
    add("v1_ac_cond_missing", [mut(v1ac, "spec.condition", DEL)])
    add("v1_ac_kind_missing", [mut(v1ac, "spec.condition.kind", DEL)])
    add("v1_ac_kind_bad", [mut(v1ac, "spec.condition.kind", "Burnrate")])
    add("v1_ac_op_missing", [mut(v1ac, "spec.condition.op", DEL)])
    add("v1_ac_op_bad", [mut(v1ac, "spec.condition.op", "eq")])
    add("v1_ac_thr_missing", [mut(v1ac, "spec.condition.threshold", DEL)])
    add("v1_ac_thr_zero", [mut(v1ac, "spec.condition.threshold", 0)])
    add("v1_ac_thr_neg", [mut(v1ac, "spec.condition.threshold", -5)])
    add("v1_ac_lbw_missing", [mut(v1ac, "spec.condition.lookbackWindow", DEL)])
    add("v1_ac_lbw_badunit", [mut(v1ac, "spec.condition.lookbackWindow", "1s")])
    add("v1_ac_lbw_nounit", [mut(v1ac, "spec.condition.lookbackWindow", "60")])
    add("v1_ac_lbw_int", [mut(v1ac, "spec.condition.lookbackWindow", 60)])
    add("v1_ac_lbw_neg", [mut(v1ac, "spec.condition.lookbackWindow", "-1h")])
    add("v1_ac_lbw_zero", [mut(v1ac, "spec.condition.lookbackWindow", "0h")])
    add("v1_ac_lbw_frac", [mut(v1ac, "spec.condition.lookbackWindow", "1.5h")])
    add("v1_ac_lbw_space", [mut(v1ac, "spec.condition.lookbackWindow", "1 h")])
    add("v1_ac_lbw_multi", [mut(v1ac, "spec.condition.lookbackWindow", "1h30m")])
    add("v1_ac_lbw_M", [mut(v1ac, "spec.condition.lookbackWindow", "1M")])
    add("v1_ac_lbw_Q", [mut(v1ac, "spec.condition.lookbackWindow", "1Q")])
    add("v1_ac_lbw_Y", [mut(v1ac, "spec.condition.lookbackWindow", "1Y")])
    add("v1_ac_lbw_empty", [mut(v1ac, "spec.condition.lookbackWindow", "")])
    add("v1_ac_aa_missing", [mut(v1ac, "spec.condition.alertAfter", DEL)])
    add("v1_ac_aa_bad", [mut(v1ac, "spec.condition.alertAfter", "5s")])
    add("v1_ac_desc_1051", [mut(v1ac, "spec.description", D1051)])
    # ANT
    add("v1_ant_target_missing", [mut(v1ant, "spec.target", DEL)])
    add("v1_ant_nospec", [mut(v1ant, "spec", DEL)])
    add("v1_ant_desc_1051", [mut(v1ant, "spec.description", D1051)])
    # AlertPolicy
    inl_cond = {
        "kind": "AlertCondition",
        "metadata": {"name": "c"},
        "spec": copy.deepcopy(v1ac["spec"]),
    }
    inl_tgt = {
        "kind": "AlertNotificationTarget",
        "metadata": {"name": "t"},
        "spec": {"target": "slack"},
    }
    add("v1_ap_nospec", [mut(v1ap, "spec", DEL)])
    add("v1_ap_cond_missing", [mut(v1ap, "spec.conditions", DEL)])
    add("v1_ap_cond_empty", [mut(v1ap, "spec.conditions", [])])
    add(
        "v1_ap_cond_two",
        [mut(v1ap, "spec.conditions", [{"conditionRef": "a"}, {"conditionRef": "b"}])],
    )
    add("v1_ap_nt_missing", [mut(v1ap, "spec.notificationTargets", DEL)])
    add("v1_ap_nt_empty", [mut(v1ap, "spec.notificationTargets", [])])
    add(
        "v1_ap_nt_two",
        [mut(v1ap, "spec.notificationTargets", [{"targetRef": "a"}, {"targetRef": "b"}])],
    )
    add("v1_ap_cond_inline_ok", [mut(v1ap, "spec.conditions", [copy.deepcopy(inl_cond)])])
    add("v1_ap_cond_inline_nokind", [mut(v1ap, "spec.conditions", [mut(inl_cond, "kind", DEL)])])
    add(
        "v1_ap_cond_inline_wrongkind",
        [mut(v1ap, "spec.conditions", [mut(inl_cond, "kind", "SLO")])],
    )
    add("v1_ap_cond_inline_badkind", [mut(v1ap, "spec.conditions", [mut(inl_cond, "kind", "Foo")])])
    add(
        "v1_ap_cond_inline_apiversion",
        [mut(v1ap, "spec.conditions", [mut(inl_cond, "apiVersion", V1)])],
    )
    add("v1_ap_cond_inline_nospec", [mut(v1ap, "spec.conditions", [mut(inl_cond, "spec", DEL)])])
    add(
        "v1_ap_cond_inline_badspec",
        [
            mut(
                v1ap,
                "spec.conditions",
                [mut(inl_cond, "spec.severity", DEL, "spec.condition.op", "x")],
            )
        ],
    )
    add(
        "v1_ap_cond_inline_badname",
        [mut(v1ap, "spec.conditions", [mut(inl_cond, "metadata.name", "Bad Name")])],
    )
    add("v1_ap_cond_both", [mut(v1ap, "spec.conditions", [mut(inl_cond, "conditionRef", "c")])])
    add("v1_ap_cond_emptyitem", [mut(v1ap, "spec.conditions", [{}])])
    add("v1_ap_cond_ref_bad", [mut(v1ap, "spec.conditions", [{"conditionRef": "Bad Ref"}])])
    add("v1_ap_cond_ref_emptystr", [mut(v1ap, "spec.conditions", [{"conditionRef": ""}])])
    add("v1_ap_nt_inline_ok", [mut(v1ap, "spec.notificationTargets", [copy.deepcopy(inl_tgt)])])
    add(
        "v1_ap_nt_inline_nokind",
        [mut(v1ap, "spec.notificationTargets", [mut(inl_tgt, "kind", DEL)])],
    )
    add(
        "v1_ap_nt_inline_wrongkind",
        [mut(v1ap, "spec.notificationTargets", [mut(inl_tgt, "kind", "AlertCondition")])],
    )
    add(
        "v1_ap_nt_inline_notarget",
        [mut(v1ap, "spec.notificationTargets", [mut(inl_tgt, "spec.target", DEL)])],
    )
    add("v1_ap_nt_both", [mut(v1ap, "spec.notificationTargets", [mut(inl_tgt, "targetRef", "t")])])
    add("v1_ap_nt_emptyitem", [mut(v1ap, "spec.notificationTargets", [{}])])
    add("v1_ap_nt_ref_bad", [mut(v1ap, "spec.notificationTargets", [{"targetRef": "Bad_Ref"}])])
    add(
        "v1_ap_flags",
        [
            mut(
                v1ap,
                "spec.alertWhenNoData",
                True,
                "spec.alertWhenResolved",
                True,
                "spec.alertWhenBreaching",
                False,
            )
        ],
    )
    add("v1_ap_desc_1051", [mut(v1ap, "spec.description", D1051)])
    # SLO
    add("v1_slo_nospec", [mut(v1slo, "spec", DEL)])
    add("v1_slo_service_missing", [mut(v1slo, "spec.service", DEL)])
    add("v1_slo_service_weird", [mut(v1slo, "spec.service", "Not A DNS Name")])
    add("v1_slo_desc_1051", [mut(v1slo, "spec.description", D1051)])
    add("v1_slo_no_indicator", [mut(v1slo, "spec.indicatorRef", DEL)])
    add("v1_slo_both_indicator", [mut(v1slo, "spec.indicator", copy.deepcopy(inl_ratio))])
    add("v1_slo_indref_bad", [mut(v1slo, "spec.indicatorRef", "Bad Ref")])
    add("v1_slo_indref_empty", [mut(v1slo, "spec.indicatorRef", "")])
    add(
        "v1_slo_ind_inline_ratio",
        [mut(v1slo, "spec.indicatorRef", DEL, "spec.indicator", copy.deepcopy(inl_ratio))],
    )
    add(
        "v1_slo_ind_inline_badname",
        [
            mut(
                v1slo,
                "spec.indicatorRef",
                DEL,
                "spec.indicator",
                mut(inl_ratio, "metadata.name", "Bad"),
            )
        ],
    )
    add(
        "v1_slo_ind_inline_nometa",
        [mut(v1slo, "spec.indicatorRef", DEL, "spec.indicator", mut(inl_ratio, "metadata", DEL))],
    )
    add(
        "v1_slo_ind_inline_nospec",
        [mut(v1slo, "spec.indicatorRef", DEL, "spec.indicator", mut(inl_ratio, "spec", DEL))],
    )
    add(
        "v1_slo_ind_inline_kind",
        [mut(v1slo, "spec.indicatorRef", DEL, "spec.indicator", mut(inl_ratio, "kind", "SLI"))],
    )
    add(
        "v1_slo_ind_inline_apiversion",
        [mut(v1slo, "spec.indicatorRef", DEL, "spec.indicator", mut(inl_ratio, "apiVersion", V1))],
    )
    add(
        "v1_slo_ind_inline_ratio_op",
        [
            mut(
                v1slo,
                "spec.indicatorRef",
                DEL,
                "spec.indicator",
                copy.deepcopy(inl_ratio),
                "spec.objectives.0.op",
                "gt",
            )
        ],
    )
    add(
        "v1_slo_ind_inline_ratio_value",
        [
            mut(
                v1slo,
                "spec.indicatorRef",
                DEL,
                "spec.indicator",
                copy.deepcopy(inl_ratio),
                "spec.objectives.0.value",
                1,
            )
        ],
    )
    add(
        "v1_slo_ind_inline_ratio_value0",
        [
            mut(
                v1slo,
                "spec.indicatorRef",
                DEL,
                "spec.indicator",
                copy.deepcopy(inl_ratio),
                "spec.objectives.0.value",
                0,
            )
        ],
    )
    add(
        "v1_slo_ind_inline_thr_noopval",
        [mut(v1slo, "spec.indicatorRef", DEL, "spec.indicator", copy.deepcopy(inl_thr))],
    )
    add(
        "v1_slo_ind_inline_thr_ok",
        [
            mut(
                v1slo,
                "spec.indicatorRef",
                DEL,
                "spec.indicator",
                copy.deepcopy(inl_thr),
                "spec.objectives.0.op",
                "lte",
                "spec.objectives.0.value",
                100,
            )
        ],
    )
    add(
        "v1_slo_ind_inline_thr_badop",
        [
            mut(
                v1slo,
                "spec.indicatorRef",
                DEL,
                "spec.indicator",
                copy.deepcopy(inl_thr),
                "spec.objectives.0.op",
                "eq",
                "spec.objectives.0.value",
                100,
            )
        ],
    )
    add(
        "v1_slo_ref_op_value",
        [mut(v1slo, "spec.objectives.0.op", "gt", "spec.objectives.0.value", 5)],
    )
    add("v1_slo_ref_badop", [mut(v1slo, "spec.objectives.0.op", "foo")])
    add("v1_slo_bm_missing", [mut(v1slo, "spec.budgetingMethod", DEL)])
    add("v1_slo_bm_bad", [mut(v1slo, "spec.budgetingMethod", "occurrences")])
    add("v1_slo_tw_missing", [mut(v1slo, "spec.timeWindow", DEL)])
    add("v1_slo_tw_empty", [mut(v1slo, "spec.timeWindow", [])])
    add(
        "v1_slo_tw_two",
        [
            mut(
                v1slo,
                "spec.timeWindow",
                [{"duration": "28d", "isRolling": True}, {"duration": "7d", "isRolling": True}],
            )
        ],
    )
    add("v1_slo_tw_dur_missing", [mut(v1slo, "spec.timeWindow.0.duration", DEL)])
    add("v1_slo_tw_dur_badunit", [mut(v1slo, "spec.timeWindow.0.duration", "28x")])
    add("v1_slo_tw_dur_s", [mut(v1slo, "spec.timeWindow.0.duration", "30s")])
    add("v1_slo_tw_dur_M", [mut(v1slo, "spec.timeWindow.0.duration", "1M")])
    add("v1_slo_tw_dur_Q", [mut(v1slo, "spec.timeWindow.0.duration", "1Q")])
    add("v1_slo_tw_dur_Y", [mut(v1slo, "spec.timeWindow.0.duration", "1Y")])
    add("v1_slo_tw_dur_nounit", [mut(v1slo, "spec.timeWindow.0.duration", "28")])
    add("v1_slo_tw_dur_neg", [mut(v1slo, "spec.timeWindow.0.duration", "-28d")])
    add("v1_slo_tw_dur_zero", [mut(v1slo, "spec.timeWindow.0.duration", "0d")])
    add("v1_slo_tw_dur_D", [mut(v1slo, "spec.timeWindow.0.duration", "28D")])
    add("v1_slo_tw_dur_lead0", [mut(v1slo, "spec.timeWindow.0.duration", "028d")])
    add("v1_slo_tw_dur_plus", [mut(v1slo, "spec.timeWindow.0.duration", "+28d")])
    add("v1_slo_tw_rolling_missing", [mut(v1slo, "spec.timeWindow.0.isRolling", DEL)])
    add(
        "v1_slo_tw_rolling_cal",
        [
            mut(
                v1slo,
                "spec.timeWindow.0.calendar",
                {"startTime": "2022-01-01 00:00:00", "timeZone": "UTC"},
            )
        ],
    )
    add(
        "v1_slo_tw_cal_ok",
        [
            mut(
                v1slo,
                "spec.timeWindow.0.isRolling",
                False,
                "spec.timeWindow.0.calendar",
                {"startTime": "2022-01-01 00:00:00", "timeZone": "Europe/Warsaw"},
            )
        ],
    )
    add(
        "v1_slo_tw_cal_badstart",
        [
            mut(
                v1slo,
                "spec.timeWindow.0.isRolling",
                False,
                "spec.timeWindow.0.calendar",
                {"startTime": "2022-01-01T00:00:00Z", "timeZone": "UTC"},
            )
        ],
    )
    add(
        "v1_slo_tw_cal_dateonly",
        [
            mut(
                v1slo,
                "spec.timeWindow.0.isRolling",
                False,
                "spec.timeWindow.0.calendar",
                {"startTime": "2022-01-01", "timeZone": "UTC"},
            )
        ],
    )
    add(
        "v1_slo_tw_cal_nostart",
        [
            mut(
                v1slo,
                "spec.timeWindow.0.isRolling",
                False,
                "spec.timeWindow.0.calendar",
                {"timeZone": "UTC"},
            )
        ],
    )
    add(
        "v1_slo_tw_cal_notz",
        [
            mut(
                v1slo,
                "spec.timeWindow.0.isRolling",
                False,
                "spec.timeWindow.0.calendar",
                {"startTime": "2022-01-01 00:00:00"},
            )
        ],
    )
    add(
        "v1_slo_tw_cal_badtz",
        [
            mut(
                v1slo,
                "spec.timeWindow.0.isRolling",
                False,
                "spec.timeWindow.0.calendar",
                {"startTime": "2022-01-01 00:00:00", "timeZone": "Mars/Olympus"},
            )
        ],
    )
    add(
        "v1_slo_tw_cal_localtz",
        [
            mut(
                v1slo,
                "spec.timeWindow.0.isRolling",
                False,
                "spec.timeWindow.0.calendar",
                {"startTime": "2022-01-01 00:00:00", "timeZone": "Local"},
            )
        ],
    )
    add(
        "v1_slo_tw_cal_lowertz",
        [
            mut(
                v1slo,
                "spec.timeWindow.0.isRolling",
                False,
                "spec.timeWindow.0.calendar",
                {"startTime": "2022-01-01 00:00:00", "timeZone": "utc"},
            )
        ],
    )
    add(
        "v1_slo_tw_cal_ESTtz",
        [
            mut(
                v1slo,
                "spec.timeWindow.0.isRolling",
                False,
                "spec.timeWindow.0.calendar",
                {"startTime": "2022-01-01 00:00:00", "timeZone": "EST"},
            )
        ],
    )
    add(
        "v1_slo_tw_cal_empty",
        [mut(v1slo, "spec.timeWindow.0.isRolling", False, "spec.timeWindow.0.calendar", {})],
    )
    add(
        "v1_slo_tw_cal_badday",
        [
            mut(
                v1slo,
                "spec.timeWindow.0.isRolling",
                False,
                "spec.timeWindow.0.calendar",
                {"startTime": "2022-02-30 00:00:00", "timeZone": "UTC"},
            )
        ],
    )
    add("v1_slo_tw_notrolling_nocal", [mut(v1slo, "spec.timeWindow.0.isRolling", False)])
    add("v1_slo_obj_missing", [mut(v1slo, "spec.objectives", DEL)])
    add("v1_slo_obj_empty", [mut(v1slo, "spec.objectives", [])])
    add("v1_slo_obj_notarget", [mut(v1slo, "spec.objectives.0", {"displayName": "x"})])
    add("v1_slo_obj_both_targets", [mut(v1slo, "spec.objectives.0.targetPercent", 99)])
    add("v1_slo_obj_target_1", [mut(v1slo, "spec.objectives.0.target", 1.0)])
    add("v1_slo_obj_target_0", [mut(v1slo, "spec.objectives.0.target", 0)])
    add("v1_slo_obj_target_neg", [mut(v1slo, "spec.objectives.0.target", -0.1)])
    add("v1_slo_obj_target_str", [mut(v1slo, "spec.objectives.0.target", "0.99")])
    add(
        "v1_slo_obj_tp_ok",
        [mut(v1slo, "spec.objectives.0.target", DEL, "spec.objectives.0.targetPercent", 99.9)],
    )
    add(
        "v1_slo_obj_tp_100",
        [mut(v1slo, "spec.objectives.0.target", DEL, "spec.objectives.0.targetPercent", 100)],
    )
    add(
        "v1_slo_obj_tp_neg",
        [mut(v1slo, "spec.objectives.0.target", DEL, "spec.objectives.0.targetPercent", -1)],
    )
    add("v1_slo_obj_dn_long", [mut(v1slo, "spec.objectives.0.displayName", D1051)])
    add("v1_slo_obj_unknown", [mut(v1slo, "spec.objectives.0.foo", 1)])
    add("v1_slo_ts_missing", [mut(v1slo, "spec.budgetingMethod", "Timeslices")])
    add(
        "v1_slo_ts_ok",
        [
            mut(
                v1slo,
                "spec.budgetingMethod",
                "Timeslices",
                "spec.objectives.0.timeSliceTarget",
                0.95,
                "spec.objectives.0.timeSliceWindow",
                "1m",
            )
        ],
    )
    add(
        "v1_slo_ts_tst0",
        [
            mut(
                v1slo,
                "spec.budgetingMethod",
                "Timeslices",
                "spec.objectives.0.timeSliceTarget",
                0,
                "spec.objectives.0.timeSliceWindow",
                "1m",
            )
        ],
    )
    add(
        "v1_slo_ts_tst1",
        [
            mut(
                v1slo,
                "spec.budgetingMethod",
                "Timeslices",
                "spec.objectives.0.timeSliceTarget",
                1,
                "spec.objectives.0.timeSliceWindow",
                "1m",
            )
        ],
    )
    add(
        "v1_slo_ts_tst_gt1",
        [
            mut(
                v1slo,
                "spec.budgetingMethod",
                "Timeslices",
                "spec.objectives.0.timeSliceTarget",
                1.5,
                "spec.objectives.0.timeSliceWindow",
                "5s",
            )
        ],
    )
    add(
        "v1_slo_ts_tsw_missing",
        [
            mut(
                v1slo,
                "spec.budgetingMethod",
                "Timeslices",
                "spec.objectives.0.timeSliceTarget",
                0.9,
            )
        ],
    )
    add(
        "v1_slo_ts_tsw_badunit",
        [
            mut(
                v1slo,
                "spec.budgetingMethod",
                "Timeslices",
                "spec.objectives.0.timeSliceTarget",
                0.9,
                "spec.objectives.0.timeSliceWindow",
                "30s",
            )
        ],
    )
    add(
        "v1_slo_ts_tsw_nounit",
        [
            mut(
                v1slo,
                "spec.budgetingMethod",
                "Timeslices",
                "spec.objectives.0.timeSliceTarget",
                0.9,
                "spec.objectives.0.timeSliceWindow",
                "30",
            )
        ],
    )
    add(
        "v1_slo_ts_tsw_empty",
        [
            mut(
                v1slo,
                "spec.budgetingMethod",
                "Timeslices",
                "spec.objectives.0.timeSliceTarget",
                0.9,
                "spec.objectives.0.timeSliceWindow",
                "",
            )
        ],
    )
    add("v1_slo_rts_missing", [mut(v1slo, "spec.budgetingMethod", "RatioTimeslices")])
    add(
        "v1_slo_rts_ok",
        [
            mut(
                v1slo,
                "spec.budgetingMethod",
                "RatioTimeslices",
                "spec.objectives.0.timeSliceWindow",
                "5m",
            )
        ],
    )
    add(
        "v1_slo_rts_tst_bad",
        [
            mut(
                v1slo,
                "spec.budgetingMethod",
                "RatioTimeslices",
                "spec.objectives.0.timeSliceWindow",
                "5m",
                "spec.objectives.0.timeSliceTarget",
                5,
            )
        ],
    )
    add(
        "v1_slo_occ_ts_fields",
        [
            mut(
                v1slo,
                "spec.objectives.0.timeSliceTarget",
                7,
                "spec.objectives.0.timeSliceWindow",
                "5m",
            )
        ],
    )
    add("v1_slo_occ_tsw_bad", [mut(v1slo, "spec.objectives.0.timeSliceWindow", "5s")])
    # composite
    comp_obj = lambda **kw: dict({"target": 0.99, "indicatorRef": "sli-a"}, **kw)
    add(
        "v1_slo_comp_ok",
        [
            mut(
                v1slo,
                "spec.indicatorRef",
                DEL,
                "spec.objectives",
                [comp_obj(compositeWeight=1), comp_obj(indicatorRef="sli-b", compositeWeight=2)],
            )
        ],
    )
    add("v1_slo_comp_and_spec", [mut(v1slo, "spec.objectives", [comp_obj()])])
    add(
        "v1_slo_comp_weight0",
        [mut(v1slo, "spec.indicatorRef", DEL, "spec.objectives", [comp_obj(compositeWeight=0)])],
    )
    add(
        "v1_slo_comp_weight_neg",
        [mut(v1slo, "spec.indicatorRef", DEL, "spec.objectives", [comp_obj(compositeWeight=-1)])],
    )
    add(
        "v1_slo_comp_both",
        [
            mut(
                v1slo,
                "spec.indicatorRef",
                DEL,
                "spec.objectives",
                [dict(comp_obj(), indicator=copy.deepcopy(inl_ratio))],
            )
        ],
    )
    add(
        "v1_slo_comp_partial",
        [mut(v1slo, "spec.indicatorRef", DEL, "spec.objectives", [comp_obj(), {"target": 0.9}])],
    )
    add(
        "v1_slo_comp_inline_bad",
        [
            mut(
                v1slo,
                "spec.indicatorRef",
                DEL,
                "spec.objectives",
                [
                    {
                        "target": 0.9,
                        "indicator": mut(
                            inl_ratio, "metadata.name", "BAD", "spec.ratioMetric.good", DEL
                        ),
                    }
                ],
            )
        ],
    )
    add(
        "v1_slo_comp_badref",
        [
            mut(
                v1slo,
                "spec.indicatorRef",
                DEL,
                "spec.objectives",
                [comp_obj(indicatorRef="Bad Ref")],
            )
        ],
    )
    add(
        "v1_slo_comp_inline_ratio_op",
        [
            mut(
                v1slo,
                "spec.indicatorRef",
                DEL,
                "spec.objectives",
                [{"target": 0.9, "op": "gt", "indicator": copy.deepcopy(inl_ratio)}],
            )
        ],
    )
    add("v1_slo_weight_noncomp", [mut(v1slo, "spec.objectives.0.compositeWeight", -1)])
    # alertPolicies
    add("v1_slo_ap_empty", [mut(v1slo, "spec.alertPolicies", [])])
    add("v1_slo_ap_ref_ok", [mut(v1slo, "spec.alertPolicies", [{"alertPolicyRef": "ap"}])])
    add("v1_slo_ap_ref_bad", [mut(v1slo, "spec.alertPolicies", [{"alertPolicyRef": "Bad Ref"}])])
    add("v1_slo_ap_ref_emptystr", [mut(v1slo, "spec.alertPolicies", [{"alertPolicyRef": ""}])])
    add("v1_slo_ap_emptyitem", [mut(v1slo, "spec.alertPolicies", [{}])])
    add(
        "v1_slo_ap_inline_ok",
        [
            mut(
                v1slo,
                "spec.alertPolicies",
                [
                    {
                        "kind": "AlertPolicy",
                        "metadata": {"name": "ap"},
                        "spec": copy.deepcopy(v1ap["spec"]),
                    }
                ],
            )
        ],
    )
    add(
        "v1_slo_ap_inline_nokind",
        [
            mut(
                v1slo,
                "spec.alertPolicies",
                [{"metadata": {"name": "ap"}, "spec": copy.deepcopy(v1ap["spec"])}],
            )
        ],
    )
    add(
        "v1_slo_ap_inline_wrongkind",
        [
            mut(
                v1slo,
                "spec.alertPolicies",
                [
                    {
                        "kind": "AlertCondition",
                        "metadata": {"name": "ap"},
                        "spec": copy.deepcopy(v1ap["spec"]),
                    }
                ],
            )
        ],
    )
    add(
        "v1_slo_ap_inline_nospec",
        [mut(v1slo, "spec.alertPolicies", [{"kind": "AlertPolicy", "metadata": {"name": "ap"}}])],
    )
    add(
        "v1_slo_ap_inline_badspec",
        [
            mut(
                v1slo,
                "spec.alertPolicies",
                [{"kind": "AlertPolicy", "metadata": {"name": "ap"}, "spec": {"conditions": []}}],
            )
        ],
    )
    add(
        "v1_slo_ap_inline_apiversion",
        [
            mut(
                v1slo,
                "spec.alertPolicies",
                [
                    {
                        "apiVersion": V1,
                        "kind": "AlertPolicy",
                        "metadata": {"name": "ap"},
                        "spec": copy.deepcopy(v1ap["spec"]),
                    }
                ],
            )
        ],
    )
    add(
        "v1_slo_ap_both",
        [
            mut(
                v1slo,
                "spec.alertPolicies",
                [
                    {
                        "alertPolicyRef": "ap",
                        "kind": "AlertPolicy",
                        "metadata": {"name": "ap"},
                        "spec": copy.deepcopy(v1ap["spec"]),
                    }
                ],
            )
        ],
    )
    add("v1_slo_ap_targetRef", [mut(v1slo, "spec.alertPolicies", [{"targetRef": "ap"}])])
    # ---------------- v1alpha
    VA = "openslo/v1alpha"
    q = {"source": "prometheus", "queryType": "promql", "query": "q"}
    vasvc = {
        "apiVersion": VA,
        "kind": "Service",
        "metadata": {"name": "x"},
        "spec": {"description": "d"},
    }
    vaslo = {
        "apiVersion": VA,
        "kind": "SLO",
        "metadata": {"name": "x"},
        "spec": {
            "service": "svc",
            "budgetingMethod": "Occurrences",
            "indicator": {"thresholdMetric": dict(q)},
            "timeWindows": [{"unit": "Day", "count": 28, "isRolling": True}],
            "objectives": [{"displayName": "o", "op": "lte", "value": 100, "target": 0.99}],
        },
    }
    vaslo_r = mut(
        vaslo,
        "spec.indicator",
        DEL,
        "spec.objectives",
        [
            {
                "displayName": "o",
                "value": 1,
                "target": 0.99,
                "ratioMetrics": {"good": dict(q), "total": dict(q), "incremental": True},
            }
        ],
    )
    add("va_base_svc", [vasvc])
    add("va_base_slo", [vaslo])
    add("va_base_slo_ratio", [vaslo_r])
    add("va_md_labels", [mut(vasvc, "metadata.labels", {"a": "b"})])
    add("va_md_annotations", [mut(vasvc, "metadata.annotations", {"a": "b"})])
    add("va_md_dn_64", [mut(vasvc, "metadata.displayName", L64)])
    add("va_md_badname", [mut(vasvc, "metadata.name", "Bad")])
    add("va_svc_nospec", [mut(vasvc, "spec", DEL)])
    add("va_svc_desc_1051", [mut(vasvc, "spec.description", D1051)])
    add("va_kind_sli", [{"apiVersion": VA, "kind": "SLI", "metadata": {"name": "x"}, "spec": {}}])
    add(
        "va_kind_ds",
        [{"apiVersion": VA, "kind": "DataSource", "metadata": {"name": "x"}, "spec": {}}],
    )
    add("va_slo_nospec", [mut(vaslo, "spec", DEL)])
    add("va_slo_none", [mut(vaslo, "spec.indicator", DEL)])
    add("va_slo_both", [mut(vaslo_r, "spec.indicator", {"thresholdMetric": dict(q)})])
    add("va_slo_ind_empty", [mut(vaslo, "spec.indicator", {})])
    add("va_slo_ind_null", [mut(vaslo, "spec.indicator", None)])
    add("va_slo_service_missing", [mut(vaslo, "spec.service", DEL)])
    add("va_slo_desc_1051", [mut(vaslo, "spec.description", D1051)])
    add("va_slo_bm_missing", [mut(vaslo, "spec.budgetingMethod", DEL)])
    add("va_slo_bm_rts", [mut(vaslo, "spec.budgetingMethod", "RatioTimeslices")])
    add("va_slo_ts_missing", [mut(vaslo, "spec.budgetingMethod", "Timeslices")])
    add(
        "va_slo_ts_0",
        [mut(vaslo, "spec.budgetingMethod", "Timeslices", "spec.objectives.0.timeSliceTarget", 0)],
    )
    add(
        "va_slo_ts_gt1",
        [
            mut(
                vaslo,
                "spec.budgetingMethod",
                "Timeslices",
                "spec.objectives.0.timeSliceTarget",
                1.01,
            )
        ],
    )
    add(
        "va_slo_ts_window",
        [
            mut(
                vaslo,
                "spec.budgetingMethod",
                "Timeslices",
                "spec.objectives.0.timeSliceTarget",
                0.9,
                "spec.objectives.0.timeSliceWindow",
                "1m",
            )
        ],
    )
    add("va_slo_tw_missing", [mut(vaslo, "spec.timeWindows", DEL)])
    add(
        "va_slo_tw_singular_key",
        [mut(vaslo, "spec.timeWindow", vaslo["spec"]["timeWindows"], "spec.timeWindows", DEL)],
    )
    add(
        "va_slo_tw_two",
        [mut(vaslo, "spec.timeWindows", [{"unit": "Day", "count": 28, "isRolling": True}] * 2)],
    )
    add("va_slo_tw_unit_missing", [mut(vaslo, "spec.timeWindows.0.unit", DEL)])
    add("va_slo_tw_unit_bad", [mut(vaslo, "spec.timeWindows.0.unit", "Hour")])
    add("va_slo_tw_unit_lower", [mut(vaslo, "spec.timeWindows.0.unit", "day")])
    add("va_slo_tw_unit_second", [mut(vaslo, "spec.timeWindows.0.unit", "Second")])
    add("va_slo_tw_unit_year", [mut(vaslo, "spec.timeWindows.0.unit", "Year")])
    add("va_slo_tw_count_0", [mut(vaslo, "spec.timeWindows.0.count", 0)])
    add("va_slo_tw_count_missing", [mut(vaslo, "spec.timeWindows.0.count", DEL)])
    add("va_slo_tw_count_neg", [mut(vaslo, "spec.timeWindows.0.count", -1)])
    add("va_slo_tw_count_float", [mut(vaslo, "spec.timeWindows.0.count", 1.5)])
    add("va_slo_tw_nocal", [mut(vaslo, "spec.timeWindows.0.isRolling", False)])
    add(
        "va_slo_tw_rolling_cal",
        [
            mut(
                vaslo,
                "spec.timeWindows.0.calendar",
                {"startTime": "2022-01-01 00:00:00", "timeZone": "UTC"},
            )
        ],
    )
    add(
        "va_slo_tw_cal_bad",
        [
            mut(
                vaslo,
                "spec.timeWindows.0.isRolling",
                False,
                "spec.timeWindows.0.calendar",
                {"startTime": "2022-01-01", "timeZone": "Foo/Bar"},
            )
        ],
    )
    add(
        "va_slo_tw_cal_empty",
        [mut(vaslo, "spec.timeWindows.0.isRolling", False, "spec.timeWindows.0.calendar", {})],
    )
    add("va_slo_obj_missing", [mut(vaslo, "spec.objectives", DEL)])
    add("va_slo_obj_empty", [mut(vaslo, "spec.objectives", [])])
    add("va_slo_obj_value_missing", [mut(vaslo, "spec.objectives.0.value", DEL)])
    add("va_slo_obj_value_0", [mut(vaslo, "spec.objectives.0.value", 0)])
    add("va_slo_obj_target_missing", [mut(vaslo, "spec.objectives.0.target", DEL)])
    add("va_slo_obj_target_1", [mut(vaslo, "spec.objectives.0.target", 1)])
    add("va_slo_obj_target_neg", [mut(vaslo, "spec.objectives.0.target", -1)])
    add("va_slo_obj_targetPercent", [mut(vaslo, "spec.objectives.0.targetPercent", 99)])
    add("va_slo_obj_op_missing", [mut(vaslo, "spec.objectives.0.op", DEL)])
    add("va_slo_obj_op_bad", [mut(vaslo, "spec.objectives.0.op", "eq")])
    add("va_slo_obj_dn_missing", [mut(vaslo, "spec.objectives.0.displayName", DEL)])
    add("va_slo_obj_dn_1051", [mut(vaslo, "spec.objectives.0.displayName", D1051)])
    add("va_slo_r_op", [mut(vaslo_r, "spec.objectives.0.op", "gt")])
    add("va_slo_r_novalue", [mut(vaslo_r, "spec.objectives.0.value", DEL)])
    add("va_slo_r_nogood", [mut(vaslo_r, "spec.objectives.0.ratioMetrics.good", DEL)])
    add("va_slo_r_empty", [mut(vaslo_r, "spec.objectives.0.ratioMetrics", {})])
    add(
        "va_slo_r_mixed",
        [
            mut(
                vaslo_r,
                "spec.objectives",
                [vaslo_r["spec"]["objectives"][0], {"displayName": "t", "value": 1, "target": 0.9}],
            )
        ],
    )
    add("va_slo_q_source_bad", [mut(vaslo, "spec.indicator.thresholdMetric.source", "cloud-watch")])
    add("va_slo_q_source_missing", [mut(vaslo, "spec.indicator.thresholdMetric.source", DEL)])
    add("va_slo_q_qt_bad", [mut(vaslo, "spec.indicator.thresholdMetric.queryType", "prom_ql")])
    add("va_slo_q_query_missing", [mut(vaslo, "spec.indicator.thresholdMetric.query", DEL)])
    add("va_slo_q_query_space", [mut(vaslo, "spec.indicator.thresholdMetric.query", "   ")])
    add("va_slo_q_empty", [mut(vaslo, "spec.indicator.thresholdMetric", {})])
    add(
        "va_slo_r_q_bad",
        [
            mut(
                vaslo_r,
                "spec.objectives.0.ratioMetrics.good.source",
                "a1",
                "spec.objectives.0.ratioMetrics.total.query",
                "",
            )
        ],
    )
    add("va_slo_unknown_alertPolicies", [mut(vaslo, "spec.alertPolicies", [])])
    # ---------------- v2alpha
    V2 = "openslo.com/v2alpha"

    def v2obj(kind, spec, name="x"):
        return {"apiVersion": V2, "kind": kind, "metadata": {"name": name}, "spec": spec}

    ms2 = {"dataSourceRef": "prom", "spec": {"query": "q"}}
    v2svc = v2obj("Service", {"description": "d"})
    v2sli_t = v2obj("SLI", {"thresholdMetric": dict(ms2)})
    v2sli_r = v2obj(
        "SLI", {"ratioMetric": {"counter": True, "good": dict(ms2), "total": dict(ms2)}}
    )
    v2ds = v2obj("DataSource", {"type": "Prometheus", "connectionDetails": {"url": "x"}})
    v2ac = v2obj("AlertCondition", copy.deepcopy(v1ac["spec"]))
    v2ant = v2obj("AlertNotificationTarget", {"target": "slack"})
    v2ap = v2obj("AlertPolicy", copy.deepcopy(v1ap["spec"]))
    v2slo_new = v2obj(
        "SLO",
        {
            "serviceRef": "svc",
            "sliRef": "sli",
            "budgetingMethod": "Occurrences",
            "timeWindow": [{"duration": "28d", "isRolling": True}],
            "objectives": [{"target": 0.99}],
        },
    )
    v2slo_old = mut(v2slo_new, "spec.service", "svc", "spec.serviceRef", DEL)
    for n, b in [
        ("svc", v2svc),
        ("sli_t", v2sli_t),
        ("sli_r", v2sli_r),
        ("ds", v2ds),
        ("ac", v2ac),
        ("ant", v2ant),
        ("ap", v2ap),
        ("slo_serviceRef", v2slo_new),
        ("slo_service", v2slo_old),
    ]:
        add(f"v2_base_{n}", [b])
    add("v2_md_dn", [mut(v2svc, "metadata.displayName", "X")])
    add(
        "v2_md_labels_ok",
        [
            mut(
                v2svc,
                "metadata.labels",
                {
                    "env": "prod",
                    "openslo.com/team": "a",
                    "Key_1.x": "my.domain_123-label",
                    "empty": "",
                },
            )
        ],
    )
    add("v2_md_labels_list", [mut(v2svc, "metadata.labels", {"env": ["prod"]})])
    add("v2_md_labels_badkey", [mut(v2svc, "metadata.labels", {"invalid key": "v"})])
    add("v2_md_labels_badval_upper", [mut(v2svc, "metadata.labels", {"env": "Prod"})])
    add("v2_md_labels_badval_space", [mut(v2svc, "metadata.labels", {"env": "a b"})])
    add("v2_md_labels_val64", [mut(v2svc, "metadata.labels", {"env": "a" * 64})])
    add("v2_md_labels_key_prefix_bad", [mut(v2svc, "metadata.labels", {"Bad_Prefix/x": "v"})])
    add("v2_md_labels_key_twoslash", [mut(v2svc, "metadata.labels", {"a/b/c": "v"})])
    add("v2_md_labels_key_emptyprefix", [mut(v2svc, "metadata.labels", {"/x": "v"})])
    add("v2_md_labels_key_name64", [mut(v2svc, "metadata.labels", {"a" * 64: "v"})])
    add("v2_md_labels_both_bad", [mut(v2svc, "metadata.labels", {"bad key": "Bad Val"})])
    add("v2_md_ann_ok", [mut(v2svc, "metadata.annotations", {"openslo.com/x": "any Value!"})])
    add("v2_md_ann_badkey", [mut(v2svc, "metadata.annotations", {"bad key": "v"})])
    add("v2_md_badname", [mut(v2svc, "metadata.name", "Bad")])
    add("v2_svc_nospec", [mut(v2svc, "spec", DEL)])
    add("v2_ds_nospec", [mut(v2ds, "spec", DEL)])
    add("v2_ds_type_missing", [mut(v2ds, "spec.type", DEL)])
    add("v2_ant_nospec", [mut(v2ant, "spec", DEL)])
    add("v2_ac_nospec", [mut(v2ac, "spec", DEL)])
    add("v2_ac_aa_missing", [mut(v2ac, "spec.condition.alertAfter", DEL)])
    add("v2_ac_lbw_M", [mut(v2ac, "spec.condition.lookbackWindow", "1M")])
    add("v2_ap_nospec", [mut(v2ap, "spec", DEL)])
    add(
        "v2_ap_inline_cond_noaa",
        [mut(v2ap, "spec.conditions", [mut(inl_cond, "spec.condition.alertAfter", DEL)])],
    )
    add("v2_sli_none", [mut(v2sli_t, "spec", {})])
    add("v2_sli_nospec", [mut(v2sli_t, "spec", DEL)])
    add(
        "v2_sli_both",
        [mut(v2sli_t, "spec.ratioMetric", copy.deepcopy(v2sli_r["spec"]["ratioMetric"]))],
    )
    add("v2_sli_ms_empty", [mut(v2sli_t, "spec.thresholdMetric", {})])
    add("v2_sli_ms_specmissing", [mut(v2sli_t, "spec.thresholdMetric.spec", DEL)])
    add(
        "v2_sli_ms_both",
        [
            mut(
                v2sli_t,
                "spec.thresholdMetric.dataSourceSpec",
                {"type": "Prometheus", "connectionDetails": {"a": 1}},
            )
        ],
    )
    add(
        "v2_sli_ms_dss_ok",
        [
            mut(
                v2sli_t,
                "spec.thresholdMetric.dataSourceRef",
                DEL,
                "spec.thresholdMetric.dataSourceSpec",
                {"type": "Prometheus", "connectionDetails": {"a": 1}},
            )
        ],
    )
    add(
        "v2_sli_ms_dss_bad",
        [
            mut(
                v2sli_t,
                "spec.thresholdMetric.dataSourceRef",
                DEL,
                "spec.thresholdMetric.dataSourceSpec",
                {"description": D1051},
            )
        ],
    )
    add("v2_sli_ms_ref_bad", [mut(v2sli_t, "spec.thresholdMetric.dataSourceRef", "Bad Ref")])
    add(
        "v2_sli_ms_metricSource",
        [mut(v2sli_t, "spec.thresholdMetric", {"metricSource": {"type": "P", "spec": {"q": 1}}})],
    )
    add("v2_sli_raw_notype", [mut(v2sli_r, "spec.ratioMetric", {"raw": dict(ms2)})])
    add("v2_sli_r_no_good_bad", [mut(v2sli_r, "spec.ratioMetric.good", DEL)])
    for nm, base in [("new", v2slo_new), ("old", v2slo_old)]:
        add(f"v2_slo_{nm}_nospec", [mut(base, "spec", DEL)])
        add(f"v2_slo_{nm}_no_sli", [mut(base, "spec.sliRef", DEL)])
        add(
            f"v2_slo_{nm}_indicatorRef", [mut(base, "spec.sliRef", DEL, "spec.indicatorRef", "sli")]
        )
        add(f"v2_slo_{nm}_tw_M", [mut(base, "spec.timeWindow.0.duration", "1M")])
        add(f"v2_slo_{nm}_tw_Q", [mut(base, "spec.timeWindow.0.duration", "1Q")])
        add(
            f"v2_slo_{nm}_sli_inline_ratio_op",
            [
                mut(
                    base,
                    "spec.sliRef",
                    DEL,
                    "spec.sli",
                    {"metadata": {"name": "i"}, "spec": copy.deepcopy(v2sli_r["spec"])},
                    "spec.objectives.0.op",
                    "gt",
                )
            ],
        )
        add(
            f"v2_slo_{nm}_sli_inline_thr",
            [
                mut(
                    base,
                    "spec.sliRef",
                    DEL,
                    "spec.sli",
                    {"metadata": {"name": "i"}, "spec": copy.deepcopy(v2sli_t["spec"])},
                )
            ],
        )
        add(
            f"v2_slo_{nm}_comp",
            [
                mut(
                    base,
                    "spec.sliRef",
                    DEL,
                    "spec.objectives",
                    [{"target": 0.9, "sliRef": "a", "compositeWeight": 0}],
                )
            ],
        )
        add(f"v2_slo_{nm}_ts_missing", [mut(base, "spec.budgetingMethod", "Timeslices")])
        add(f"v2_slo_{nm}_ap_ref", [mut(base, "spec.alertPolicies", [{"alertPolicyRef": "Bad"}])])
    add("v2_slo_both_service", [mut(v2slo_new, "spec.service", "svc")])
    add("v2_slo_no_service", [mut(v2slo_new, "spec.serviceRef", DEL)])
    # ---------------- decoding
    svc_yaml = "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: a\nspec: {}\n"
    add("dec_single_obj", raw=svc_yaml)
    add("dec_list", raw="- " + svc_yaml.replace("\n", "\n  ").rstrip() + "\n")
    add("dec_two_docs", raw=svc_yaml + "---\n" + svc_yaml.replace("name: a", "name: b"))
    add("dec_leading_sep", raw="---\n" + svc_yaml)
    add("dec_trailing_sep", raw=svc_yaml + "---\n")
    add("dec_empty_doc_between", raw=svc_yaml + "---\n---\n" + svc_yaml)
    add(
        "dec_doc_list_mix",
        raw=svc_yaml + "---\n- " + svc_yaml.replace("\n", "\n  ").rstrip() + "\n",
    )
    add("dec_sep_with_comment", raw=svc_yaml + "--- # comment\n" + svc_yaml)
    add("dec_doc_end_marker", raw=svc_yaml + "...\n")
    add("dec_comment_only", raw="# just a comment\n")
    add("dec_whitespace_only", raw="\n\n   \n")
    add("dec_empty", raw="")
    add("dec_scalar", raw="foo\n")
    add("dec_null_doc", raw="null\n")
    add("dec_list_of_scalars", raw="- foo\n- bar\n")
    add("dec_empty_list", raw="[]\n")
    add("dec_empty_map", raw="{}\n")
    add("dec_list_with_null", raw="- null\n")
    add(
        "dec_flow_list",
        raw='[{"apiVersion": "openslo/v1", "kind": "Service", "metadata": {"name": "a"}, "spec": {}}]\n',
    )
    add(
        "dec_flow_yaml_map",
        raw="{apiVersion: openslo/v1, kind: Service, metadata: {name: a}, spec: {}}\n",
    )
    add(
        "dec_syntax_error",
        raw="apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: a\n   bad: indent\n",
    )
    add("dec_tab_error", raw="apiVersion: openslo/v1\nkind: Service\nmetadata:\n\tname: a\n")
    add(
        "dec_dup_key",
        raw="apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: a\n  name: b\nspec: {}\n",
    )
    add("dec_unknown_kind", raw=svc_yaml.replace("kind: Service", "kind: Foo"))
    add("dec_lower_kind", raw=svc_yaml.replace("kind: Service", "kind: service"))
    add("dec_missing_kind", raw=svc_yaml.replace("kind: Service\n", ""))
    add("dec_missing_apiversion", raw=svc_yaml.replace("apiVersion: openslo/v1\n", ""))
    add("dec_empty_apiversion", raw=svc_yaml.replace("apiVersion: openslo/v1", "apiVersion: ''"))
    add(
        "dec_apiversion_v1beta",
        raw=svc_yaml.replace("apiVersion: openslo/v1", "apiVersion: openslo/v1beta"),
    )
    add(
        "dec_apiversion_v2alpha_noprefix",
        raw=svc_yaml.replace("apiVersion: openslo/v1", "apiVersion: openslo/v2alpha"),
    )
    add("dec_apiversion_int", raw=svc_yaml.replace("apiVersion: openslo/v1", "apiVersion: 1"))
    add("dec_kind_int", raw=svc_yaml.replace("kind: Service", "kind: 5"))
    add(
        "dec_unknown_kind_second",
        raw="- "
        + svc_yaml.replace("\n", "\n  ").rstrip()
        + "\n- "
        + svc_yaml.replace("kind: Service", "kind: Foo").replace("\n", "\n  ").rstrip()
        + "\n",
    )
    add(
        "dec_unknown_field_second",
        raw="- "
        + svc_yaml.replace("\n", "\n  ").rstrip()
        + "\n- "
        + svc_yaml.replace("spec: {}", "spec: {foo: 1}").replace("\n", "\n  ").rstrip()
        + "\n",
    )
    add(
        "dec_unknown_field_nested",
        raw=svc_yaml.replace("spec: {}", "spec:\n  description: d\n  extra:\n    x: 1"),
    )
    add("dec_wrong_type", raw=svc_yaml.replace("spec: {}", "spec:\n  description: 5"))
    add("dec_wrong_type_name", raw=svc_yaml.replace("name: a", "name: 123"))
    add("dec_spec_list", raw=svc_yaml.replace("spec: {}", "spec: []"))
    add("dec_metadata_string", raw=svc_yaml.replace("metadata:\n  name: a", "metadata: a"))
    add(
        "dec_yaml11_bool",
        raw="apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: a\nspec:\n  service: s\n  indicatorRef: i\n  budgetingMethod: Occurrences\n  timeWindow:\n    - duration: 1d\n      isRolling: yes\n  objectives:\n    - target: 0.9\n",
    )
    add(
        "dec_anchor_alias",
        raw="- &svc\n  apiVersion: openslo/v1\n  kind: Service\n  metadata:\n    name: a\n  spec: {}\n- <<: *svc\n  metadata:\n    name: b\n",
    )
    add("dec_bom", raw="\ufeff" + svc_yaml)
    add("dec_crlf", raw=svc_yaml.replace("\n", "\r\n"))
    add("dec_json_obj.json", raw=json.dumps(v1svc))
    add("dec_json_arr.json", raw=json.dumps([v1svc, v1sli_t]))
    add("dec_json_trailing.json", raw=json.dumps(v1svc) + "\n{}")
    add("dec_json_unknown.json", raw=json.dumps(mut(v1svc, "spec.foo", 1)))
    add("dec_json_in_yaml_ext", raw=json.dumps(v1svc))
    add("dec_json_two_objs.json", raw=json.dumps(v1svc) + "\n" + json.dumps(v1svc))
    add("dec_json_bad.json", raw='{"apiVersion": "openslo/v1", "kind": "Service",}')
    add("dec_json_scalar.json", raw='"foo"')
    add("dec_json_arr_scalar.json", raw='["foo"]')
    add("dec_yaml_in_json_ext.json", raw=svc_yaml)
    add(
        "dec_dup_key_json.json",
        raw='{"apiVersion": "openslo/v1", "kind": "Service", "metadata": {"name": "a", "name": "b"}, "spec": {}}',
    )
    add("dec_case_field", raw=svc_yaml.replace("spec: {}", "spec:\n  Description: d"))
    add("dec_null_spec_field", raw=svc_yaml.replace("spec: {}", "spec:\n  description: null"))
    add("dec_name_null", raw=svc_yaml.replace("name: a", "name: null"))
    add("dec_name_quoted_num", raw=svc_yaml.replace("name: a", "name: '123'"))
    add(
        "dec_multi_mix_versions",
        raw="- "
        + svc_yaml.replace("\n", "\n  ").rstrip()
        + "\n---\n"
        + dump(vasvc)
        + "---\n"
        + dump([v2svc]),
    )
