"""Runs of the code location's own jobs, executed in this process.

The demo and ``sre-pipeline backfill`` launch their runs here instead of calling
``execute_in_process`` on jobs of their own: each run is created as a run of a job of a code
location a workspace loads (:class:`CodeLocation`: production's ``sre_pipeline.definitions``,
or the demo's ``sre_pipeline.demo.definitions``; repository ``__repository__``), with that
origin recorded, so the UI lists it under the job and
can re-execute it. The run is orchestrated in this process and its steps go where the code
location's executor sends them: by default in this process too (the in-process executor), which
avoids a subprocess of imports per step; with ``executor.type: celery`` to the Celery workers.

Dagster has no public call for "create a run of a workspace job and execute it here"; this
module uses the instance's ``create_run_for_job`` and ``execute_run_iterator`` with the
origin objects ``dagster job launch`` builds, and keeps that in one place.
"""

import importlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import dagster as dg
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._core.execution.api import execute_run_iterator
from dagster._core.remote_origin import (
    RegisteredCodeLocationOrigin,
    RemoteJobOrigin,
    RemoteRepositoryOrigin,
)

from sre_pipeline.config import REPO
from sre_pipeline.defs.collection_assets import STEP_RETRIES_TAG

PRODUCTION_MODULE = "sre_pipeline.definitions"
REPOSITORY = "__repository__"
ASSET_JOB = "__ASSET_JOB"  # the implicit job UI back-fills and materialisations run
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
# the runner reports each run and its failure in one line; Dagster's own error logs (with
# stack traces) stay in the run's event log, for the UI and --verbose
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}

Progress = Callable[[str], None]


@dataclass
class RunOutcome:
    """A finished run: its id, whether it succeeded, and the first failure's message."""

    run_id: str
    success: bool
    seconds: float
    steps: list[str] = field(default_factory=list)
    failure: str | None = None


def range_tags(first: str, last: str) -> dict[str, str]:
    """Tags of a run over the partitions ``first..last`` (one day: a single-partition run)."""
    if first == last:
        return {"dagster/partition": first}
    return {RANGE_START: first, RANGE_END: last}


@dataclass(frozen=True)
class CodeLocation:
    """A code location as a workspace loads it: the module with ``defs`` and the location's
    name (workspace.yaml's ``location_name``, by default the module's name)."""

    module: str
    name: str

    @classmethod
    def from_environment(cls) -> "CodeLocation":
        """``SRE_PIPELINE_DEFINITIONS`` (module, default ``sre_pipeline.definitions``; the
        demo's home sets its own) and ``SRE_PIPELINE_LOCATION_NAME`` (a deployment that names
        its location otherwise says so)."""
        module = os.environ.get("SRE_PIPELINE_DEFINITIONS") or PRODUCTION_MODULE
        return cls(module, os.environ.get("SRE_PIPELINE_LOCATION_NAME") or module)


class LocalRunner:
    """Creates and executes runs of a code location's jobs on a Dagster instance."""

    def __init__(
        self,
        instance: dg.DagsterInstance,
        verbose: bool = False,
        step_retries: bool = False,
        location: CodeLocation | None = None,
    ):
        self.instance = instance
        self.location = location or CodeLocation.from_environment()
        self.run_config = {} if verbose else QUIET
        # a person waits for these runs: a failed collection fails now, not after minutes of
        # step retries (re-running the command is the retry)
        self.tags = {} if step_retries else {STEP_RETRIES_TAG: "off"}
        self._repo = ReconstructableRepository.for_module(
            self.location.module, "defs", working_directory=str(REPO)
        )

    def resources(self) -> dict:
        """The code location's resources as its module builds them (its SLI source, for a
        preflight)."""
        return dict(importlib.import_module(self.location.module).defs().resources)

    def run(
        self,
        job_name: str,
        tags: dict[str, str] | None = None,
        asset_selection: Sequence[str] | None = None,
        progress: Progress | None = None,
    ) -> RunOutcome:
        """Run ``job_name`` (optionally a subset of its assets) to the end."""
        recon = self._repo.get_reconstructable_job(job_name)
        job_def = recon.get_definition()
        keys = {dg.AssetKey(k) for k in asset_selection} if asset_selection else None
        origin = RemoteJobOrigin(
            RemoteRepositoryOrigin(RegisteredCodeLocationOrigin(self.location.name), REPOSITORY),
            job_name,
        )
        run = self.instance.create_run_for_job(
            job_def=job_def,
            run_config=self.run_config,
            tags={**self.tags, **(tags or {})},
            asset_selection=keys,
            remote_job_origin=origin,
            job_code_origin=recon.get_python_origin(),
        )
        started = time.perf_counter()
        steps, failures = [], []
        for event in execute_run_iterator(recon, run, self.instance):
            if event.is_step_success:
                steps.append(event.step_key)
                if progress:
                    progress(f"{event.step_key} done")
            elif event.is_step_failure:
                failures.append(_failure_message(event))
            elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION and progress:
                progress(_check_line(event))
        record = self.instance.get_run_by_id(run.run_id)
        success = record is not None and record.status == dg.DagsterRunStatus.SUCCESS
        failure = "\n".join(failures) or None
        if not success and failure is None:
            failure = "the run did not succeed (see the run's events in the UI)"
        return RunOutcome(run.run_id, success, time.perf_counter() - started, steps, failure)


def _failure_message(event) -> str:
    """A step failure's message: the user's ``Failure`` description, or the error's text."""
    data = event.step_failure_data
    user = getattr(data, "user_failure_data", None)
    if user is not None and user.description:
        return f"{event.step_key}: {user.description}"
    error = data.error
    while error is not None and error.cause is not None and "dagster" in error.cls_name.lower():
        error = error.cause  # past Dagster's wrappers to the user's own error
    return f"{event.step_key}: {error.message.strip() if error else 'failed'}"


def _check_line(event) -> str:
    evaluation = event.asset_check_evaluation_data
    outcome = "passed" if evaluation.passed else f"failed ({evaluation.severity.value})"
    day = f" {evaluation.partition}" if evaluation.partition else ""
    return f"{evaluation.check_name}{day} {outcome}"
