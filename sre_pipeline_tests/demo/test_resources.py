"""The demo's resources: its postmortems move with its end, and its code location is the
production factory with the demo's sources."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sre_pipeline.demo.resources import DemoPostmortemSource, DemoSLISource, demo_resources
from sre_pipeline.incidents.postmortems import load_postmortems
from sre_pipeline_tests.incidents.test_postmortems import GOOD, write


def test_demo_postmortems_move_every_time_and_date(tmp_path):
    write(tmp_path, "pm.md", GOOD)
    source = DemoPostmortemSource(
        paths=[str(tmp_path)], authored_for="2026-11-23", anchor="2026-11-20"
    )
    assert source.days() == -3
    (incident,) = source.incidents("UTC").incidents
    (original,) = load_postmortems([tmp_path]).incidents
    assert original.started_at == datetime(2026, 11, 10, 10, tzinfo=UTC)  # production: as written
    assert incident.started_at == datetime(2026, 11, 7, 10, tzinfo=UTC)
    item = incident.action_items[0]
    assert item.due_date == date(2026, 11, 17)
    assert item.completed_at == datetime(2026, 11, 15, tzinfo=UTC)


def test_demo_resources_of_the_embedded_defaults():
    from sre_pipeline.config import load_config

    resources = demo_resources(load_config())
    assert isinstance(resources["source"], DemoSLISource)
    assert isinstance(resources["incident_source"], DemoPostmortemSource)


def test_production_without_prometheus_collects_nothing_and_says_why():
    import pytest

    from sre_pipeline.config import load_config
    from sre_pipeline.defs.factory import resources_from_config
    from sre_pipeline.defs.resources import UnconfiguredSource
    from sre_pipeline.inputs.problems import SpecError

    source = resources_from_config(load_config())["source"]
    assert isinstance(source, UnconfiguredSource)
    with pytest.raises(SpecError, match="prometheus.url: no Prometheus is configured"):
        source.events([], None, None, None)
