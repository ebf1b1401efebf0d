"""The run-failure sensor, fired for real on a failed run: the failure is audited and the
job's ticket filed once in the outbox."""

from __future__ import annotations

import json

import dagster as dg

from sre_pipeline.config import PipelineConfig
from sre_pipeline.defs.jobs import run_failure_sensor
from sre_pipeline.defs.resources import (
    PipelineSettings,
    QualityResource,
    TicketResource,
    WarehouseResource,
)
from sre_pipeline.inputs.tickets_config import TicketsIn, TrackerIn


@dg.asset
def broken():
    raise RuntimeError("Prometheus answered 503")


def test_a_failed_run_files_one_ticket(tmp_path):
    with dg.instance_for_test() as instance:
        _fire_twice(instance, tmp_path)
    lines = [json.loads(x) for x in (tmp_path / "t" / "outbox.jsonl").read_text().splitlines()]
    assert [x["action"] for x in lines] == ["create"]
    assert lines[0]["fingerprint"] == "run-failure:status_job"
    assert "broken: RuntimeError: Prometheus answered 503" in lines[0]["description"]


def _fire_twice(instance, tmp_path):
    job = dg.define_asset_job("status_job", selection=[broken])
    defs = dg.Definitions(assets=[broken], jobs=[job])
    result = defs.resolve_job_def("status_job").execute_in_process(
        instance=instance, raise_on_error=False
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
    tickets = TicketsIn(trackers={"outbox": TrackerIn(type="outbox", folder=str(tmp_path / "t"))})
    config = PipelineConfig.model_construct(tickets=tickets)
    resources = {
        "warehouse": WarehouseResource(url=f"sqlite:///{tmp_path}/w.db"),
        "quality": QualityResource(),
        "tickets": TicketResource.from_config(config),
        "settings": PipelineSettings(),
    }
    sensor = run_failure_sensor()
    for _ in range(2):  # the same failure seen twice: one ticket
        with dg.build_run_status_sensor_context(
            sensor_name=sensor.name,
            dagster_event=failure,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            resources=resources,
        ) as context:
            sensor(context.for_run_failure())
