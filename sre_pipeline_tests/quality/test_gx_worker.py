"""The GX worker: validation there gives exactly what it gives in the process; a worker that
dies or is switched off leaves validation in the process; a run with checks starts it; an
error in GX reaches the check as it would without a worker; exit does not wait for it."""

from __future__ import annotations

import os
import signal

import dagster as dg
import pandas as pd
import pytest

from sre_pipeline.defs.resources import QualityResource
from sre_pipeline.quality import gx_worker
from sre_pipeline_tests.quality.test_suites import CASES, RUNNERS


def _outcomes(result):
    return [
        (o.name, o.success, o.unexpected_count, o.unexpected_percent, o.samples)
        for o in result.outcomes
    ]


@pytest.fixture
def worker():
    gx_worker.stop()
    assert gx_worker.start()
    yield
    gx_worker.stop()


def test_every_case_gives_the_same_outcomes_in_the_worker_as_in_the_process(worker):
    runs = [(RUNNERS[c.suite], c) for c in CASES]
    in_worker = [_outcomes(run(c.mutate(make()), **c.kwargs)) for (make, run), c in runs]
    gx_worker.stop()
    in_process = [_outcomes(run(c.mutate(make()), **c.kwargs)) for (make, run), c in runs]
    assert in_worker == in_process
    assert any(not ok for outcome in in_worker for _, ok, *_ in outcome)  # failures compared


def test_a_dead_worker_is_replaced_by_validation_in_the_process(worker):
    make, run = RUNNERS["events"]
    expected = _outcomes(run(make()))
    process, _ = gx_worker._WORKER[0]
    os.kill(process.pid, signal.SIGKILL)  # the worker is killed (out of memory, by hand)
    process.join()
    assert _outcomes(run(make())) == expected
    assert not gx_worker.running()


def test_switched_off_no_worker_starts(monkeypatch):
    gx_worker.stop()
    monkeypatch.setenv(gx_worker.ENV, "0")
    assert not gx_worker.start()
    assert not gx_worker.running()


def test_a_run_with_checks_starts_the_worker_at_its_start_and_one_without_does_not():
    gx_worker.stop()
    seen = {}

    @dg.asset
    def first():
        seen["running when the first step ran"] = gx_worker.running()

    @dg.asset_check(asset=first)
    def checked(quality: QualityResource):
        return dg.AssetCheckResult(passed=True)

    @dg.asset
    def unchecked():
        seen["running in a run without checks"] = gx_worker.running()

    try:
        dg.materialize([unchecked], resources={"quality": QualityResource()})
        dg.materialize([first, checked], resources={"quality": QualityResource()})
        assert seen == {
            "running in a run without checks": False,
            "running when the first step ran": True,
        }
        gx_worker.stop()
        dg.materialize([first, checked], resources={"quality": QualityResource(worker=False)})
        assert seen["running when the first step ran"] is False
    finally:
        gx_worker.stop()


@pytest.mark.parametrize(("executor", "worker"), [("in_process", True), ("multiprocess", False)])
def test_the_worker_is_used_under_the_in_process_executor_only(tmp_path, executor, worker):
    from sre_pipeline.config import load_config

    path = tmp_path / "sre_pipeline.yaml"
    path.write_text(f"executor:\n  type: {executor}\n")
    assert QualityResource.from_config(load_config(path)).worker is worker


def test_an_error_in_the_worker_is_raised_in_the_process(worker):
    from sre_pipeline.quality.gx_runner import Spec

    bad = [Spec("no such expectation", "error", "ExpectNoSuchThing", {"column": "a"})]
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(AttributeError, match="ExpectNoSuchThing"):
        gx_worker.validate("broken", bad, frame, {})
    assert gx_worker.running()  # and the worker serves the next check


def test_the_worker_is_daemonic_and_ends_with_its_process():
    """A process that started a worker and exits is not held up by it (GX's import takes
    seconds, its teardown one more): the worker is terminated, not waited for."""
    import subprocess
    import sys

    code = (
        "from sre_pipeline.quality import gx_worker; assert gx_worker.start(); "
        "process, _ = gx_worker._WORKER[0]; assert process.daemon; print(process.pid)"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    pid = int(done.stdout)
    assert not os.path.exists(f"/proc/{pid}")  # terminated and reaped before its parent exited


def test_a_worker_that_validated_leaves_nothing_behind_at_exit():
    """GX takes a multiprocessing lock when it validates (tqdm's); in the worker it must not
    be a named semaphore that the resource tracker reports as leaked when the worker ends."""
    import subprocess
    import sys

    code = (
        "import pandas as pd; from sre_pipeline.quality import gx_worker, gx_runner; "
        "gx_worker.start(); spec = gx_runner.Spec('a', 'error', "
        "'ExpectColumnValuesToNotBeNull', {'column': 'a'}); "
        "assert gx_worker.validate('s', [spec], pd.DataFrame({'a': [1]}), {})[0].success"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "leaked" not in done.stderr and "Warning" not in done.stderr, done.stderr


def test_an_answer_sent_ahead_is_reused_only_for_the_same_request(worker):
    from sre_pipeline.quality.gx_runner import Spec

    spec = [
        Spec("a >= 0", "error", "ExpectColumnValuesToBeBetween", {"column": "a", "min_value": 0})
    ]
    good, bad = pd.DataFrame({"a": [1, 2, 3]}), pd.DataFrame({"a": [1, -2, 3]})
    start = dict(gx_worker.STATS)
    assert gx_worker.prefetch("s", spec, good, {})
    assert not gx_worker.prefetch("s", spec, bad, {})  # one request ahead at a time
    # another frame (one value differs): its own answer, not the one sent ahead
    (checked,) = gx_worker.validate("s", spec, bad, {})
    assert not checked.success and checked.unexpected_count == 1
    assert gx_worker.STATS["reused"] == start["reused"]
    assert gx_worker.prefetch("s", spec, bad, {})
    (checked,) = gx_worker.validate("s", spec, bad.copy(), {})  # equal values: reused
    assert not checked.success and checked.positions == [1]
    assert gx_worker.STATS["reused"] == start["reused"] + 1
    assert gx_worker.prefetch("s", spec, good, {})
    process, _ = gx_worker._WORKER[0]
    os.kill(process.pid, signal.SIGKILL)  # the worker dies with a request ahead
    process.join()
    (checked,) = gx_worker.validate("s", spec, good, {})  # validated here instead
    assert checked.success and not gx_worker.running()
