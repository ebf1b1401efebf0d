"""The pipeline configuration file, its defaults and its errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sre_pipeline.config import REPO, load_config
from sre_pipeline.inputs.problems import SpecError


def test_embedded_defaults_without_a_file(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for var in ("SRE_PIPELINE_CONFIG", "PROMETHEUS_URL", "SRE_PIPELINE_WAREHOUSE_URL"):
        monkeypatch.delenv(var, raising=False)
    config = load_config()
    assert config.source == "embedded defaults" and config.prometheus is None
    assert config.slos == [str(REPO / "examples" / "slos")] and config.time_zone == "UTC"


def test_example_file_resolves_paths_relative_to_itself(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_URL", raising=False)
    monkeypatch.delenv("SRE_PIPELINE_WAREHOUSE_URL", raising=False)
    config = load_config(REPO / "examples" / "sre_pipeline.yaml")
    assert config.slos == [str(REPO / "examples" / "slos")]
    assert Path(config.capacity) == REPO / "examples" / "capacity.yaml"
    assert config.time_zone == "Europe/Berlin" and config.start_date == date(2026, 1, 1)
    assert config.coverage_threshold == 0.95 and config.freshness_minutes == 30


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("SRE_PIPELINE_CONFIG", str(REPO / "examples" / "sre_pipeline.yaml"))
    monkeypatch.setenv("PROMETHEUS_URL", "http://127.0.0.1:9090")
    monkeypatch.setenv("SRE_PIPELINE_WAREHOUSE_URL", f"sqlite:///{tmp_path}/w.db")
    config = load_config()
    assert config.prometheus.url == "http://127.0.0.1:9090"
    assert config.warehouse_url == f"sqlite:///{tmp_path}/w.db"


def test_bad_file_reports_every_problem_with_file_and_line(tmp_path):
    path = tmp_path / "sre_pipeline.yaml"
    path.write_text("time_zone: Mars/Base\nbucket_minuts: 5\ncoverage_threshold: 2\n")
    with pytest.raises(SpecError) as info:
        load_config(path)
    text = "\n".join(map(str, info.value.problems))
    assert f"{path}:1" in text and "unknown time zone 'Mars/Base'" in text
    assert "unknown key 'bucket_minuts' (did you mean 'bucket_minutes'?)" in text
    assert "coverage_threshold" in text


@pytest.mark.parametrize(
    "email, message",
    [
        ('{to: ["sre@example.com\\r\\nBcc: all@example.com"]}', "must not contain a line break"),
        ("{to: ['sre@example.com, all@example.com']}", "is not an e-mail address"),
        ("{from: 'nobody'}", "'nobody' is not an e-mail address"),
        ("{transport: pigeon}", "transport"),
        ("{smtp: {security: ssl3}}", "security"),
    ],
)
def test_bad_email_settings_name_the_field(tmp_path, email, message):
    path = tmp_path / "sre_pipeline.yaml"
    path.write_text(f"email: {email}\n")
    with pytest.raises(SpecError) as info:
        load_config(path)
    text = "\n".join(str(p) for p in info.value.problems)
    assert f"{path}:1" in text and "email" in text and message in text, text


@pytest.mark.parametrize(
    "tickets, message",
    [
        ("{trackers: {ops: {type: redmine, url: 'http://r'}}}", "needs project, api_key_env"),
        ("{default_tracker: ops}", "default_tracker 'ops' is not among trackers"),
        ("{teams: {payments: gh}}", "teams.payments names tracker 'gh'"),
        ("{trackers: {x: {type: trello}}}", "type"),
        ("{trackers: {o: {type: outbox, priorities: {p0: High}}}, default_tracker: o}", "p0"),
        ("{max_new_per_run: -1}", "max_new_per_run"),
    ],
)
def test_bad_ticket_settings_name_the_field(tmp_path, tickets, message):
    path = tmp_path / "sre_pipeline.yaml"
    path.write_text(f"tickets: {tickets}\n")
    with pytest.raises(SpecError) as info:
        load_config(path)
    text = "\n".join(str(p) for p in info.value.problems)
    assert f"{path}:1" in text and "tickets" in text and message in text, text


def test_ticket_folders_resolve_beside_the_file(tmp_path):
    path = tmp_path / "sre_pipeline.yaml"
    path.write_text(
        "emergency_stop_file: STOP\ntickets: {trackers: {outbox: {type: outbox, folder: out}}}\n"
    )
    config = load_config(path)
    assert config.tickets.trackers["outbox"].folder == str(tmp_path / "out")
    assert config.emergency_stop_file == str(tmp_path / "STOP")


def test_sloth_period_from_the_configuration(monkeypatch, tmp_path):
    """``sloth_period`` gives Sloth specs their period in pipeline runs and in the commands
    without ``--sloth-period``; it must be whole days."""
    from sre_pipeline.defs.resources import PipelineSettings

    path = tmp_path / "sre_pipeline.yaml"
    path.write_text(f"sloth_period: 28d\nslos: [{REPO / 'examples' / 'slos' / 'sloth'}]\n")
    config = load_config(path)
    settings = PipelineSettings.from_config(config)
    assert {s.period.label for s in settings.catalog().slos} == {"28d"}
    # the catalog the code location and the preflight of every command read, too
    assert {s.period.label for s in config.catalog().slos} == {"28d"}
    path.write_text("sloth_period: 36h\n")
    with pytest.raises(SpecError) as exc:
        load_config(path)
    (problem,) = exc.value.problems
    assert (problem.path, problem.line) == ("sloth_period", 1)
    assert problem.message == "'36h' is not whole days"
