"""The configuration's URLs and secrets, the demo plan against the catalog, and incomplete
action items in ``validate --postmortems``."""

from __future__ import annotations

import pandas as pd
import pytest

from sre_pipeline.config import load_config
from sre_pipeline.defs.factory import resources_from_config
from sre_pipeline.demo.plan import DEFAULT_PLAN, check_plan, load_plan
from sre_pipeline.inputs.problems import SpecError
from sre_pipeline.slo.spec.loader import load_catalog
from sre_pipeline_tests.bad_input.helpers import POSTMORTEM, cli, line_of, replaced, write

PROMETHEUS = """\
time_zone: UTC
prometheus:
  url: https://prometheus.example.com
  bearer_token_env: SRE_TEST_TOKEN
  basic_auth_env: SRE_TEST_BASIC
"""


@pytest.mark.parametrize(
    "text, line, field, message",
    [
        (
            "prometheus: {url: prometheus.example.com}\n",
            1,
            "prometheus.url",
            "'prometheus.example.com' is not an http(s) URL with a host",
        ),
        (
            "prometheus:\n  url: ftp://prometheus\n",
            2,
            "prometheus.url",
            "'ftp://prometheus' is not an http(s) URL",
        ),
        ("prometheus:\n  url: 'http://'\n", 2, "prometheus.url", "'http://' is not an http(s)"),
        ("prometheus:\n  url: 'http://h:port'\n", 2, "prometheus.url", "'http://h:port' is not"),
        ("warehouse_url: not a url\n", 1, "warehouse_url", "'not a url' is not a SQLAlchemy URL"),
        ("warehouse_url: mysql://db/x\n", 1, "warehouse_url", "dialect 'mysql' is not supported"),
    ],
)
def test_bad_urls_are_problems_with_file_line(
    capsys, tmp_path, monkeypatch, text, line, field, message
):
    config = write(tmp_path / "sre_pipeline.yaml", text)
    monkeypatch.setenv("SRE_PIPELINE_CONFIG", str(config))
    done = cli(capsys, "quality")
    assert done.code == 2
    assert done.lines[0].startswith(f"error: {config}:{line} (document 1): {field}: {message}")
    assert not (tmp_path / "warehouse.db").exists()


def test_good_urls_load(tmp_path):
    text = "warehouse_url: postgresql+psycopg://sre@db/reliability\nprometheus: {url: 'http://[::1]:9090'}\n"  # noqa: E501
    config = load_config(write(tmp_path / "c.yaml", text))
    assert config.prometheus.url == "http://[::1]:9090"


def test_an_unset_secret_fails_the_run_naming_file_line_field_and_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("SRE_TEST_TOKEN", raising=False)
    monkeypatch.setenv("SRE_TEST_BASIC", "no-colon")
    path = write(tmp_path / "sre_pipeline.yaml", PROMETHEUS)
    config = load_config(path)  # loading needs no secret: the webserver has none
    source = resources_from_config(config)["source"]
    for read in (config.prometheus_secrets, source._config):
        with pytest.raises(SpecError) as info:
            read()
        assert [str(p) for p in info.value.problems] == [
            f"error: {path}:4: prometheus.bearer_token_env: environment variable SRE_TEST_TOKEN "
            "is not set; expected SRE_TEST_TOKEN set to the Prometheus bearer token where the "
            "pipeline runs",
            f"error: {path}:5: prometheus.basic_auth_env: environment variable SRE_TEST_BASIC "
            "holds no ':'; expected SRE_TEST_BASIC set to USER:PASSWORD for Prometheus where the "
            "pipeline runs",
        ]


def test_set_secrets_reach_the_client(tmp_path, monkeypatch):
    monkeypatch.setenv("SRE_TEST_TOKEN", "t0ken")
    monkeypatch.setenv("SRE_TEST_BASIC", "user:pa:ss")
    config = load_config(write(tmp_path / "sre_pipeline.yaml", PROMETHEUS))
    client = resources_from_config(config)["source"]._config()
    assert client.bearer_token == "t0ken" and client.basic_auth == ("user", "pa:ss")
    assert "t0ken" not in repr(resources_from_config(config)["source"])  # names, not values


def _plan_with(tmp_path, old: str, new: str):
    text = replaced(DEFAULT_PLAN.read_text(), old, new)
    return write(tmp_path / "demo.yaml", text), text


def test_unknown_slo_in_the_demo_plan_with_did_you_mean(tmp_path):
    path, text = _plan_with(tmp_path, "{slo: payments-latency,", "{slo: payment-latency,")
    problems = check_plan(load_plan(path), load_catalog(["examples/slos"]))
    assert [str(p) for p in problems] == [
        f"error: {path}:{line_of(text, 'payment-latency,')}: scenarios[1].slo: unknown SLO "
        "'payment-latency' (did you mean 'payments-latency'?); expected an SLO id of the "
        "catalog (<service>-<name>)"
    ]
    assert check_plan(load_plan(), load_catalog(["examples/slos"])) == []


def test_the_demo_source_checks_the_plan_before_generating(tmp_path):
    from sre_pipeline.demo.resources import DemoSLISource

    path, text = _plan_with(tmp_path, "  checkout-latency:\n", "  checkout-latncy:\n")
    source = DemoSLISource(plan_path=str(path), anchor="2026-11-23")
    end = pd.Timestamp("2026-11-23", tz="UTC")
    with pytest.raises(SpecError) as info:
        source.events(
            load_catalog(["examples/slos"]).slos,
            end - pd.Timedelta(days=1),
            end,
            pd.Timedelta(minutes=5).to_pytimedelta(),
        )
    (problem,) = info.value.problems
    assert str(problem).startswith(
        f"error: {path}:{line_of(text, 'checkout-latncy:')}: series.checkout-latncy: unknown SLO "
        "'checkout-latncy' (did you mean 'checkout-latency'?)"
    )


def test_incomplete_action_items_are_warnings(capsys, tmp_path):
    text = replaced(
        POSTMORTEM,
        "| Add a retry budget | erin | 2026-12-04 | open |",
        "| Add a retry budget | erin | 2026-12-04 | open |\n"
        "| Alert on queue depth | - |  | open |\n"
        "| Load-test checkout | tbd | 2026-12-10 | in progress |",
    )
    path = write(tmp_path / "pm.md", text)
    done = cli(capsys, "validate", "--postmortems", path)
    assert done.code == 0, done.err
    depth, load = line_of(text, "queue depth"), line_of(text, "Load-test")
    blocks = "(the action_items check blocks publishing on it)"
    assert [ln for ln in done.lines if ln.startswith("warning:")] == [
        f"warning: {path}:{depth}: action item 'INC-1-2': Owner: no owner {blocks}; expected a "
        "person or team in the Owner column",
        f"warning: {path}:{depth}: action item 'INC-1-2': Due: no due date {blocks}; expected a "
        "due date as YYYY-MM-DD in the Due column",
        f"warning: {path}:{load}: action item 'INC-1-3': Owner: no owner {blocks}; expected a "
        "person or team in the Owner column",
    ]
    assert "1 incident(s), 3 action item(s) OK" in done.err


def test_a_scenario_duration_that_is_not_one(tmp_path):
    path, text = _plan_with(tmp_path, "before_end: 2d5h,", "before_end: soon,")
    with pytest.raises(SpecError) as info:
        load_plan(path)
    assert [str(p) for p in info.value.problems] == [
        f"error: {path}:{line_of(text, 'before_end: soon')} (document 1): "
        "scenarios[0].before_end: 'soon' is not a duration; expected a duration such as 50m "
        "or 2d5h"
    ]
