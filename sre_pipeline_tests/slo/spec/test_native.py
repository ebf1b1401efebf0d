"""The native spec format (``apiVersion: sre-pipeline/v1``), tested through ``load_catalog``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from sre_pipeline.inputs.problems import Problem, SpecError
from sre_pipeline.slo.model import SLO, Budgeting
from sre_pipeline.slo.periods import Period
from sre_pipeline.slo.policy import DEFAULT_TIERS, PolicyTier
from sre_pipeline.slo.spec.loader import load_catalog
from sre_pipeline.slo.windows import WindowPair, google_windows, pyrra_windows

GOOD = 'sum(rate(http_requests_total{code!~"5.."}[{{ .window }}]))'
BAD = 'sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))'
TOTAL = "sum(rate(http_requests_total[{{ .window }}]))"
EVENTS = {"events": {"good": GOOD, "total": TOTAL}}
D, MIN = timedelta(days=1), timedelta(minutes=1)


def slo(name: str = "availability", objective=99.9, **fields) -> dict:
    return {"name": name, "objective": objective, "sli": EVENTS, **fields}


def spec(*slos: dict, service: dict | None = None, **top) -> dict:
    return {
        "apiVersion": "sre-pipeline/v1",
        "kind": "ServiceLevelObjectives",
        "service": service or {"name": "shop"},
        "slos": list(slos) if slos else [slo()],
        **top,
    }


def write(tmp_path: Path, *docs, name: str = "shop.yaml") -> str:
    path = tmp_path / name
    text = docs[0] if isinstance(docs[0], str) else yaml.safe_dump_all(docs, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return str(path)


def load_one(tmp_path: Path, **fields) -> SLO:
    (got,) = load_catalog([write(tmp_path, spec(slo(**fields)))]).slos
    return got


def errors(*paths: str) -> list[Problem]:
    with pytest.raises(SpecError) as exc:
        load_catalog(list(paths))
    return [p for p in exc.value.problems if p.severity == "error"]


def at(problems: list[Problem], path: str) -> Problem:
    found = [p for p in problems if p.path == path]
    assert len(found) == 1, f"{path}: {[str(p) for p in problems]}"
    return found[0]


def line_of(path: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


# -- valid specs ---------------------------------------------------------------------------


def test_events_good_service_fields_and_defaults(tmp_path):
    service = {"name": "shop", "owner": "alice@example.com", "team": "payments"}
    service["labels"] = {"tier": "1", "env": "prod"}
    doc = spec(slo(description="d", labels={"tier": "0", "kind": "avail"}), service=service)
    path = write(tmp_path, doc)
    catalog = load_catalog([path])
    (got,) = catalog.slos
    assert catalog.warnings == []
    assert (got.id, got.service, got.name) == ("shop-availability", "shop", "availability")
    assert got.description == "d"
    assert (got.owner, got.team) == ("alice@example.com", "payments")
    assert got.labels == {"tier": "0", "env": "prod", "kind": "avail"}  # the SLO's label wins
    assert got.objective == 0.999
    assert got.period == Period.rolling(30 * D)
    assert got.budgeting == Budgeting()
    assert (got.sli.kind, got.sli.good_query, got.sli.bad_query) == ("events", GOOD, None)
    assert got.sli.total_query == TOTAL
    assert (got.window_set, got.windows) == ("google", google_windows(30 * D))
    assert (got.policy_tiers, got.aspirational) == (DEFAULT_TIERS, False)
    assert (got.source.format, got.source.file, got.source.document) == ("native", path, 1)


LAT = {"metric": "h_seconds", "threshold": 0.3}
RATIO = "avg_over_time(r[{{ .window }}])"  # avg(r[5m]) is not PromQL: a range vector
PROBE = 'probe_success{job="bb"}'


@pytest.mark.parametrize(
    ("sli", "expected"),
    [
        ({"events": {"bad": BAD, "total": TOTAL}}, {"bad_query": BAD, "good_query": None}),
        (
            {"latency": {**LAT, "matchers": {"svc": "a", "code": "200"}}},
            {"metric": "h_seconds", "matchers": ('svc="a"', 'code="200"'), "threshold": 0.3},
        ),
        (
            {"latency": {**LAT, "matchers": ['svc="a"', 'route!="/x"']}},
            {"matchers": ('svc="a"', 'route!="/x"')},
        ),
        ({"latency": {"metric": "h", "threshold": 2}}, {"matchers": (), "threshold": 2.0}),
        ({"ratio": {"error_ratio": RATIO}}, {"error_ratio_query": RATIO}),
        ({"probe": {"query": PROBE}}, {"probe_query": PROBE}),
    ],
)
def test_sli_kinds(tmp_path, sli, expected):
    got = load_one(tmp_path, sli=sli)
    assert got.sli.kind == next(iter(sli))
    assert {k: getattr(got.sli, k) for k in expected} == expected


@pytest.mark.parametrize(
    ("objective", "ratio"),
    [(99.9, 0.999), (99.95, 0.9995), (99, 0.99), (99.99, 0.9999), (95.5, 0.955), (99.999, 0.99999)],
)
def test_objective_percent_is_an_exact_ratio(tmp_path, objective, ratio):
    assert load_one(tmp_path, objective=objective).objective == ratio


NY, BERLIN, TOKYO = "America/New_York", "Europe/Berlin", "Asia/Tokyo"


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("7d", Period.rolling(7 * D)),
        ("28d", Period.rolling(28 * D)),
        ({"rolling": "30d"}, Period.rolling(30 * D)),
        ("4w", Period.rolling(28 * D)),
        ("month", Period.calendar("month")),
        ({"calendar": "week", "time_zone": NY}, Period.calendar("week", NY)),
        ({"calendar": "month", "time_zone": BERLIN}, Period.calendar("month", BERLIN)),
        ({"calendar": "quarter", "time_zone": TOKYO}, Period.calendar("quarter", TOKYO)),
    ],
)
def test_periods(tmp_path, period, expected):
    got = load_one(tmp_path, period=period)
    assert got.period == expected
    assert got.windows == google_windows(expected.nominal)


def test_google_factors_follow_the_period(tmp_path):
    got = load_one(tmp_path, period="28d")
    assert [w.factor for w in got.windows] == pytest.approx([13.44, 5.6, 2.8, 14 / 15])


def test_timeslices(tmp_path):
    got = load_one(tmp_path, budgeting={"method": "timeslices", "slice": "5m", "slice_target": 99})
    assert got.budgeting == Budgeting(method="timeslices", slice=5 * MIN, slice_target=0.99)
    assert load_one(tmp_path, budgeting="occurrences").budgeting == Budgeting()


def test_window_sets(tmp_path):
    pyrra = load_one(tmp_path, alerting={"window_set": "pyrra"})
    assert (pyrra.window_set, pyrra.windows) == ("pyrra", pyrra_windows(30 * D))
    google = load_one(tmp_path, period="28d", alerting={"window_set": "google"})
    assert google.windows == google_windows(28 * D)
    windows = [
        {"long": "1h", "short": "5m", "factor": 14.4, "severity": "page"},
        {"long": "6h", "short": "30m", "budget_percent": 5, "severity": "ticket"},
    ]
    for alerting in ({"window_set": "custom", "windows": windows}, {"windows": windows}):
        custom = load_one(tmp_path, period="28d", alerting=alerting)
        assert custom.window_set == "custom"
        assert custom.windows[0] == WindowPair(60 * MIN, 5 * MIN, 14.4, "page")
        w = custom.windows[1]
        assert (w.long, w.short, w.severity) == (360 * MIN, 30 * MIN, "ticket")
        assert w.factor == pytest.approx(0.05 * 28 * 24 / 6)  # 5.6


def test_policy_tiers_and_aspirational(tmp_path):
    tiers = [
        {"name": "green", "min_remaining_percent": 50, "action": "ship"},
        {"name": "red", "min_remaining_percent": 0},
    ]
    got = load_one(tmp_path, policy_tiers=tiers, aspirational=True)
    assert got.policy_tiers == (PolicyTier("green", 0.5, "ship"), PolicyTier("red", 0.0, ""))
    assert got.aspirational is True


def test_several_slos_in_one_document(tmp_path):
    doc = spec(slo("a"), slo("b.v2", objective=99), service={"name": "svc_1"})
    assert load_catalog([write(tmp_path, doc)]).ids == ["svc_1-a", "svc_1-b.v2"]


def test_ratio_like_objective_is_a_warning_not_an_error(tmp_path):
    path = write(tmp_path, spec(slo(objective=0.999)))
    catalog = load_catalog([path])
    (warning,) = catalog.warnings
    assert (warning.severity, warning.file, warning.document) == ("warning", path, 1)
    assert (warning.path, warning.line) == ("slos[0].objective", line_of(path, "objective:"))
    assert warning.message == "objective 0.999 looks like a ratio, read as 0.999%"
    assert warning.expected == "a percentage, e.g. 99.9 for 99.9%"
    assert catalog.slos[0].objective == pytest.approx(0.00999)


# -- errors ----------------------------------------------------------------------------------

W1 = {"long": "1h", "short": "5m", "factor": 14.4, "severity": "page"}
S0 = "slos[0]."


def one(**fields) -> dict:
    return spec(slo(**fields))


def events(**queries) -> dict:
    return {"events": {"good": GOOD, "total": TOTAL, **queries}}


def tiers(*mins: float) -> list[dict]:
    return [{"name": f"t{i}", "min_remaining_percent": m} for i, m in enumerate(mins)]


# (document, field path, message (prefix), expected (substring), text on the reported line)
# fmt: off
CASES = [
    (one(objective=0), S0 + "objective", "objective 0.0 is out of range",
     "a percentage above 0 and below 100", "objective:"),
    (one(objective=100), S0 + "objective", "objective 100.0 is out of range", "99.9", "objec"),
    (one(objective="high"), S0 + "objective", "Input should be a valid number, unable to parse "
     "string as a number (got 'high')", "a number", "objective:"),
    (spec(apiversion="x"), "apiversion", "unknown key 'apiversion' (did you mean 'apiVersion'?)",
     "one of: apiVersion, kind, service, slos", "apiversion:"),
    (spec(service={"name": "a", "ownr": "b"}), "service.ownr", "unknown key 'ownr' (did you mean "
     "'owner'?)", "one of: name, owner, team, description, labels", "ownr:"),
    (one(descripton="x"), S0 + "descripton", "unknown key 'descripton' (did you mean "
     "'description'?)", "one of: name, description, objective, period,", "descripton:"),
    (one(sli=events(totl=TOTAL)), S0 + "sli.events.totl", "unknown key 'totl' (did you mean "
     "'total'?)", "one of: good, bad, total", "totl:"),
    (one(alerting={"windows": [{**W1, "shrot": "5m"}]}), S0 + "alerting.windows[0].shrot",
     "unknown key 'shrot' (did you mean 'short'?)", "budget_percent, severity", "shrot:"),
    (spec(service={"team": "x"}), "service.name", "required field is missing",
     "this field (it is required)", "service:"),
    (spec({"name": "a", "objective": 99}), S0 + "sli", "required field is missing", "required",
     "- name: a"),
    (one(sli={**EVENTS, "probe": {"query": "up"}}), S0 + "sli", "2 SLI kinds given (events, "
     "probe)", "exactly one of events, latency, ratio, probe", "sli:"),
    (one(sli={}), S0 + "sli", "0 SLI kinds given (none)", "exactly one of", "sli:"),
    (one(sli=events(total="sum(rate(x[5m]))")), S0 + "sli.events.total", "query has no "
     "{{ .window }} placeholder", "sum(rate(http_requests_total[{{ .window }}]))", "x[5m]"),
    (one(sli={"ratio": {"error_ratio": "r[1h]"}}), S0 + "sli.ratio.error_ratio",
     "query has no {{ .window }} placeholder", "PromQL", "error_ratio:"),
    (one(sli=events(bad=BAD)), S0 + "sli.events", "give exactly one of 'good' and 'bad'",
     "'good' or 'bad' with 'total'", "events:"),
    (one(period="12h"), S0 + "period.rolling", "rolling period '12h' is not a whole number of "
     "days", "e.g. 7d, 28d, 30d", "period: 12h"),
    (one(period="30x"), S0 + "period.rolling", "'30x' is not a duration", "a period such as",
     "period:"),
    (one(period="1M"), S0 + "period.rolling", "'1M' uses the calendar unit 'M'", "'28d'",
     "period:"),
    (one(period={"calendar": "fortnight"}), S0 + "period.calendar", "'fortnight' is not allowed",
     "'week', 'month', 'quarter' or 'year'", "calendar:"),
    (one(period={"rolling": "30d", "calendar": "month"}), S0 + "period", "give exactly one of "
     "'rolling' and 'calendar'", "e.g. 30d or month", "period:"),
    (one(period={"calendar": "month", "time_zone": "Europe/Atlantis"}), S0 + "period.time_zone",
     "unknown time zone 'Europe/Atlantis'", "an IANA zone such as Europe/Berlin", "time_zone:"),
    (one(budgeting={"method": "timeslices", "slice": "5m"}), S0 + "budgeting", "timeslices need "
     "'slice' and 'slice_target'", "slice: 5m, slice_target: 95", "budgeting:"),
    (one(budgeting={"slice": "5m", "slice_target": 95}), S0 + "budgeting", "'slice' and "
     "'slice_target' only apply to timeslices", "method: timeslices", "budgeting:"),
    (one(alerting={"windows": [{**W1, "short": "1h"}]}), S0 + "alerting.windows[0]",
     "short window 1h is not shorter than long 1h", "short < long", "- long: 1h"),
    (one(alerting={"windows": [{**W1, "budget_percent": 2}]}), S0 + "alerting.windows[0]",
     "give exactly one of 'factor' and 'budget_percent'", "e.g. factor: 14.4", "- long: 1h"),
    (one(alerting={"windows": [{"long": "1h", "short": "5m", "severity": "page"}]}),
     S0 + "alerting.windows[0]", "give exactly one of 'factor' and 'budget_percent'", "factor",
     "- long: 1h"),
    (one(alerting={"windows": [{**W1, "severity": "critical"}]}),
     S0 + "alerting.windows[0].severity", "'critical' is not allowed", "'page' or 'ticket'",
     "severity: critical"),
    (one(alerting={"window_set": "custom"}), S0 + "alerting", "window_set custom needs 'windows'",
     "a list of window pairs", "alerting:"),
    (one(alerting={"window_set": "google", "windows": [W1]}), S0 + "alerting", "'windows' given "
     "with a preset window_set", "window_set: custom", "alerting:"),
    (one(policy_tiers=tiers(10, 50)), S0 + "policy_tiers", "tiers must be listed from the "
     "highest min_remaining_percent down", "highest min_remaining_percent", "policy_tiers:"),
    (one(policy_tiers=tiers(150, 0)), S0 + "policy_tiers", "min_remaining_percent must be "
     "between 0 and 100", "down", "policy_tiers:"),
    (one(policy_tiers=[{"name": "exhausted", "min_remaining_percent": 0}]), S0 + "policy_tiers",
     "'exhausted' is reserved for budget remaining <= 0", "down", "policy_tiers:"),
    (one(policy_tiers=[]), S0 + "policy_tiers", "at least one tier is required", "down",
     "policy_tiers:"),
    (spec(service={"name": "my shop"}), "service.name", "'my shop' is not a valid name",
     "letters, digits, '_', '.' or '-', starting with a letter or digit", "name: my shop"),
    (spec(slo("avail ability")), S0 + "name", "'avail ability' is not a valid name", "letters",
     "avail ability"),
    (one(policy_tiers=[{"name": "a b", "min_remaining_percent": 0}]),
     S0 + "policy_tiers[0].name", "'a b' is not a valid name", "letters", "name: a b"),
    (one(sli={"latency": {"metric": "h_seconds_bucket", "threshold": 1}}),
     S0 + "sli.latency.metric", "'h_seconds_bucket' ends in _bucket",
     "the histogram's base name 'h_seconds'", "metric:"),
    (one(sli={"latency": {"metric": "h", "threshold": 0}}), S0 + "sli.latency.threshold",
     "Input should be greater than 0 (got 0)", "a positive number", "threshold:"),
    (spec(slos=[]), "slos", "List should have at least 1 item after validation", "at least one",
     "slos:"),
]
# fmt: on


@pytest.mark.parametrize(("doc", "field", "message", "expected", "line_text"), CASES)
def test_error(tmp_path, doc, field, message, expected, line_text):
    path = write(tmp_path, doc)
    problem = at(errors(path), field)
    assert (problem.file, problem.document, problem.severity) == (path, 1, "error")
    assert problem.message.startswith(message), problem.message
    assert expected in problem.expected
    assert problem.line == line_of(path, line_text)
    assert str(problem).startswith(f"error: {path}:{problem.line} (document 1): {field}: ")


def test_yaml_syntax_error_has_its_line(tmp_path):
    path = write(tmp_path, yaml.safe_dump(spec()) + "---\nservice: name: x\nslos: []\n")
    (problem,) = errors(path)  # the first, valid document loads; the second is reported
    assert (problem.document, problem.path) == (2, "(document)")
    assert problem.line == line_of(path, "service: name: x")
    assert problem.message == "YAML syntax error: mapping values are not allowed here"
    assert problem.expected == "valid YAML"


def test_duplicate_key(tmp_path):
    text = "apiVersion: sre-pipeline/v1\nservice: {name: a}\nservice: {name: b}\nslos: [x]\n"
    problems = errors(write(tmp_path, text))
    dup = at(problems, "service")
    assert (dup.message, dup.expected) == ("duplicate key", "each key once")
    assert (dup.line, dup.document) == (3, 1)
    assert at(problems, "slos[0]").message.startswith("Input should be a valid dictionary")


@pytest.mark.parametrize(
    ("text", "line"),
    [("just text\n", 1), ("\n\nname: x\nslos: []\n", 3)],
)
def test_undetectable_format(tmp_path, text, line):
    path = write(tmp_path, "---\n" + text)
    (problem,) = errors(path)
    assert (problem.path, problem.document, problem.line) == ("(document)", 1, line + 1)
    assert problem.message == "cannot tell the spec format"
    assert "apiVersion: sre-pipeline/v1" in problem.expected


def test_a_list_is_read_item_by_item(tmp_path):
    """A document that is a list holds objects (as OpenSLO files may): each item is
    detected on its own, and named by its index and line."""
    path = write(tmp_path, "---\n- 1\n- 2\n")
    problems = errors(path)
    assert [(p.path, p.document, p.line) for p in problems] == [("[0]", 1, 2), ("[1]", 1, 3)]
    assert {p.message for p in problems} == {"cannot tell the spec format"}


def test_constructor_error_names_its_own_document(tmp_path):
    (problem,) = errors(write(tmp_path, "apiVersion: sre-pipeline/v1\nservice: !oops {name: x}\n"))
    assert (problem.document, problem.line) == (1, 2)


def test_boolean_objective_is_not_a_number(tmp_path):
    problem = at(errors(write(tmp_path, spec(slo(objective=True)))), "slos[0].objective")
    assert problem.expected == "a number"


def test_several_errors_in_one_file_and_across_files(tmp_path):
    first = write(
        tmp_path,
        spec(slo("a", objective=0, period="1d1h"), slo("b", objective=0.5, sli={})),
        spec(service={"name": "x", "tema": "y"}),
        name="a.yaml",
    )
    second = write(tmp_path, spec(slo(objective=101)), name="b.yaml")
    problems = errors(first, second)
    assert [(Path(p.file).name, p.document, p.path) for p in problems] == [
        ("a.yaml", 1, "slos[0].objective"),
        ("a.yaml", 1, "slos[0].period.rolling"),
        ("a.yaml", 1, "slos[1].sli"),
        ("a.yaml", 2, "service.tema"),
        ("b.yaml", 1, "slos[0].objective"),
    ]
    assert "did you mean 'team'" in problems[3].message
    assert problems[3].line == line_of(first, "tema:")


def test_a_rule_file_among_the_specs_is_named(tmp_path):
    (problem,) = errors(write(tmp_path, "groups:\n  - name: x\n    rules: []\n"))
    assert (problem.path, problem.message) == (
        "groups",
        "a Prometheus rule file (groups:), not an SLO spec",
    )
