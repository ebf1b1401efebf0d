"""The executor switch (``executor:`` in the configuration) and scale-out on it for real: a
14-day ``sre-pipeline backfill`` whose steps run on two Celery workers (Redis broker and
result backend), with the warehouse and Dagster's own storage on PostgreSQL, fills the
warehouse exactly as the same back-fill with the default in-process executor does.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa
import yaml

from sre_pipeline.cli import main
from sre_pipeline.config import REPO, load_config
from sre_pipeline.defs.factory import executor_definition
from sre_pipeline.inputs.problems import SpecError
from sre_pipeline_tests.services.postgres import PostgresServer
from sre_pipeline_tests.services.prometheus import PrometheusServer, backfill, start_prometheus
from sre_pipeline_tests.services.redis import RedisServer

# the back-fill: two weeks, one collection run and one status run of 14 days (the chunk cap)
FIRST, END = "2026-10-18", "2026-11-01"  # --end is the first day after the range
HISTORY = (pd.Timestamp(f"{FIRST}T00:00Z"), pd.Timestamp(f"{END}T00:00Z"))
WORKERS = ("w1", "w2")
WORKER_READY_S = 90  # two workers importing dagster on two cores
WORKER_STOP_S = 20
# rows compared, by their keys; floats equal or within 1e-12 (relative, or absolute near 0)
TABLES = {
    "sli_events": ["slo", "bucket_start"],
    "slo_daily": ["slo", "day_start"],
    "slo_status": ["slo", "day"],
    "burn_alert_episodes": ["slo", "long_window", "short_window", "start"],
    "capacity_samples": ["resource", "ts"],
    "capacity_daily": ["resource", "day"],
    "capacity_status": ["resource", "day"],
}
TOLERANCE = 1e-12


def write_config(path: Path, executor: str) -> Path:
    path.write_text(f"slos: [{REPO}/examples/slos]\ncapacity: null\n{executor}")
    return path


def problems(path: Path) -> str:
    with pytest.raises(SpecError) as info:
        executor_definition(load_config(path))
    return "\n".join(map(str, info.value.problems))


# --- the switch ------------------------------------------------------------------------------


def test_in_process_is_the_default_and_multiprocess_takes_a_limit(tmp_path):
    default = load_config(write_config(tmp_path / "a.yaml", ""))
    assert executor_definition(default) is dg.in_process_executor
    plain = write_config(tmp_path / "b.yaml", "executor: {type: multiprocess}\n")
    assert executor_definition(load_config(plain)) is dg.multiprocess_executor  # run config
    limited = write_config(tmp_path / "c.yaml", "executor: {type: multiprocess, max_concurrent: 2}")
    chosen = executor_definition(load_config(limited))
    assert chosen.name == "multiprocess" and chosen is not dg.multiprocess_executor


def test_celery_is_configured_with_the_broker_and_defaults_the_backend_to_it(tmp_path, monkeypatch):
    from dagster_celery import celery_executor

    path = write_config(
        tmp_path / "c.yaml", "executor:\n  type: celery\n  broker: {env: CELERY_BROKER_URL}\n"
    )
    chosen = executor_definition(load_config(path))
    assert chosen.name == "celery" and chosen is not celery_executor
    # {env: NAME} is read where the run executes: the URL (and its password) is in neither
    # the configuration nor the run config
    url = "redis://:secret@redis:6379/0"
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    resolved = chosen.config_schema.resolve_config({})
    assert resolved.success, resolved.errors
    assert {k: resolved.value["config"][k] for k in ("broker", "backend")} == {
        "broker": url,
        "backend": url,
    }


def test_a_missing_executor_library_names_the_file_field_and_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "dagster_celery", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "dagster_k8s", None)
    celery = write_config(
        tmp_path / "c.yaml", "executor:\n  type: celery\n  broker: redis://redis:6379/0\n"
    )
    assert problems(celery) == (
        f"error: {celery}:4: executor.type: 'celery' needs dagster-celery, which is not "
        'installed; expected pip install "sre_pipeline[celery]" (dagster-celery 0.29.27) '
        "wherever the code location, its runs and its workers run; or another executor.type"
    )
    k8s = write_config(tmp_path / "k.yaml", "executor: {type: k8s, max_concurrent: 10}\n")
    assert "executor.type: 'k8s' needs dagster-k8s, which is not installed" in problems(k8s)
    assert 'pip install "sre_pipeline[k8s]"' in problems(k8s)


def test_backfill_stops_before_anything_runs_when_the_executor_is_missing(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "dagster_celery", None)
    config = write_config(
        tmp_path / "sre_pipeline.yaml", "executor: {type: celery, broker: 'redis://r:6379/0'}\n"
    )
    monkeypatch.setenv("SRE_PIPELINE_CONFIG", str(config))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("SRE_PIPELINE_HOME", str(tmp_path))
    assert main(["backfill", "--start", FIRST, "--end", END]) == 2
    err = capsys.readouterr().err
    assert f"{config}:3: executor.type: 'celery' needs dagster-celery" in err
    assert "Traceback" not in err and not (tmp_path / "dagster").exists()


@pytest.mark.parametrize(
    "section, message",
    [
        ("{type: celery}", "executor: a celery executor needs broker; expected broker: the URL"),
        (
            "{type: celery, broker: 'amqp://guest@rabbit//'}",
            "a broker other than Redis needs a backend; expected backend: rpc:// (RabbitMQ)",
        ),
        ("{type: in_process, max_concurrent: 2}", "max_concurrent does not apply to in_process"),
        ("{type: k8s, broker: 'redis://r/0'}", "broker and backend do not apply to k8s"),
        ("{type: kubernetes}", "executor.type: 'kubernetes' is not allowed; expected 'in_process'"),
        ("{type: celery, broker: 'redis://r/0', brokr: x}", "unknown key 'brokr'"),
        ("{type: celery, broker: 5}", "executor.broker: 5 is neither a URL nor {env: NAME}"),
    ],
)
def test_bad_executor_settings_are_reported_with_file_and_line(tmp_path, section, message):
    path = write_config(tmp_path / "c.yaml", f"time_zone: UTC\nexecutor: {section}\n")
    with pytest.raises(SpecError) as info:
        load_config(path)
    text = "\n".join(map(str, info.value.problems))
    assert f"{path}:4" in text and message in text, text


# --- a real back-fill on Celery workers -----------------------------------------------------


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory) -> Iterator[PrometheusServer]:
    """A real Prometheus holding the example catalog's and capacity file's two weeks."""
    from sre_pipeline.demo.history import simulate, simulate_capacity
    from sre_pipeline.demo.openmetrics import write_openmetrics
    from sre_pipeline.demo.plan import load_plan
    from sre_pipeline.slo.spec.loader import load_catalog
    from sre_pipeline.sources.capacity import load_resources

    work = tmp_path_factory.mktemp("prometheus-14d")
    plan = load_plan()
    slos = load_catalog([str(REPO / "examples" / "slos")]).slos
    histories = simulate(slos, *HISTORY, plan)
    resources = load_resources(str(REPO / "examples" / "capacity.yaml"))
    capacity = simulate_capacity(resources, *HISTORY, plan)
    write_openmetrics(histories, plan, work / "history.om", capacity)
    backfill(work / "history.om", work / "data")
    server = start_prometheus(work / "data", work)
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Deployment:
    """One deployment of the production code location: its configuration file, Dagster home
    (storage on PostgreSQL) and warehouse (PostgreSQL)."""

    root: Path
    config: Path
    home: Path
    dagster_url: str
    warehouse_url: str

    def environment(self) -> dict[str, str]:
        """What every process of the deployment sees (the CLI, each Celery worker)."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SRE_PIPELINE_", "DAGSTER_", "PROMETHEUS_URL"))
        }
        return {
            **env,
            "SRE_PIPELINE_CONFIG": str(self.config),
            "SRE_PIPELINE_HOME": str(self.root / "pipeline_home"),
            "DAGSTER_HOME": str(self.home),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        }


def deployment(
    root: Path, postgres: PostgresServer, prometheus_url: str, executor: str
) -> Deployment:
    """Two fresh databases (Dagster's storage, the warehouse), a DAGSTER_HOME whose
    dagster.yaml stores on the first, and an ``sre_pipeline.yaml`` with ``executor``."""
    root.mkdir()
    suffix = secrets.token_hex(6)
    dagster_db, warehouse_db = f"dagster_{suffix}", f"warehouse_{suffix}"
    dagster_url = postgres.create_database(dagster_db)
    warehouse_url = postgres.create_database(warehouse_db)
    home = root / "dagster_home"
    home.mkdir()
    # psycopg2 for dagster-postgres (docs/operations.md, "Storage: two databases")
    storage = f"postgresql+psycopg2://postgres@127.0.0.1:{postgres.port}/{dagster_db}"
    instance = {"storage": {"postgres": {"postgres_url": storage}}, "telemetry": {"enabled": False}}
    (home / "dagster.yaml").write_text(yaml.safe_dump(instance))
    config = root / "sre_pipeline.yaml"
    config.write_text(
        f"slos: [{REPO}/examples/slos]\n"
        f"capacity: {REPO}/examples/capacity.yaml\n"
        "start_date: 2026-10-01\n"  # fixed: every process builds the same partitions
        f"warehouse_url: {warehouse_url}\n"
        f"prometheus: {{url: '{prometheus_url}', timeout_s: 30}}\n"
        f"{executor}"
    )
    with dg.DagsterInstance.from_config(str(home)) as created:  # Dagster's tables, once
        created.get_runs(limit=1)
    return Deployment(root, config, home, dagster_url, warehouse_url)


@dataclass
class Worker:
    """One ``dagster-celery worker start`` process (a session leader) and its log."""

    name: str
    process: subprocess.Popen
    log: Path

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """SIGTERM the worker's process group (the wrapper, Celery's main process, its pool
        process and a step's log tailers), SIGKILL what is left after a timeout; returns once
        none of them runs."""
        group = self.process.pid
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(group, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + WORKER_STOP_S
            while _group_alive(group) and time.monotonic() < deadline:
                time.sleep(0.1)
            if not _group_alive(group):
                break
        self.process.wait(WORKER_STOP_S)  # reap the wrapper


def _group_alive(group: int) -> bool:
    """True while a live (not zombie) process belongs to process group ``group``."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] not in ("Z", "X"):
            return True
    return False


def start_workers(d: Deployment, broker: str, backend: str, workers: list[Worker]) -> None:
    """Two Celery workers as docs/operations.md starts them, appended to ``workers`` as they
    start: ``dagster-celery worker start`` with the executor's broker and backend, one step at
    a time each, in the deployment's environment (its DAGSTER_HOME and configuration: the
    workers load the code location from ``sre_pipeline.definitions`` as the run's origin
    names it)."""
    worker_config = d.root / "celery.yaml"
    # acks_late with --prefetch-multiplier=1 (dagster-celery's): a busy worker reserves no
    # second step, so two steps ready together go to the two workers
    execution = {"broker": broker, "backend": backend, "config_source": {"task_acks_late": True}}
    worker_config.write_text(yaml.safe_dump({"execution": {"config": execution}}))
    dagster_celery = Path(sys.executable).with_name("dagster-celery")
    for name in WORKERS:
        log = d.root / f"worker-{name}.log"
        command = [str(dagster_celery), "worker", "start", "-A", "dagster_celery.app"]
        command += ["-y", str(worker_config), "-n", name, "-l", "INFO"]
        command += ["--", "--concurrency=1", "--without-gossip", "--without-mingle"]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=d.root,
                env=d.environment(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        workers.append(Worker(name, process, log))


def stop_all(workers: list[Worker]) -> None:
    """Stop every worker started (each waits for its own process group)."""
    for worker in workers:
        worker.stop()


def wait_until_ready(workers: list[Worker], broker: str, backend: str) -> set[str]:
    """The workers' node names once every one answers a broadcast ping."""
    from celery import Celery

    app = Celery("ping", broker=broker, backend=backend)
    expected = {f"{w.name}@{socket.gethostname()}" for w in workers}
    deadline = time.monotonic() + WORKER_READY_S
    answered: set[str] = set()
    try:
        while time.monotonic() < deadline:
            dead = [w for w in workers if w.process.poll() is not None]
            if dead:
                raise AssertionError(f"worker {dead[0].name} exited with {dead[0].process.poll()}")
            answered = {name for reply in app.control.ping(timeout=1) for name in reply}
            if expected <= answered:
                return expected
            time.sleep(0.5)
    finally:
        app.close()
    raise AssertionError(f"Celery workers not ready after {WORKER_READY_S}s: {answered or 'none'}")


def logs_of(workers: list[Worker]) -> str:
    return "\n".join(f"--- worker {w.name} ---\n{w.log_tail()}" for w in workers)


def run_backfill(d: Deployment, monkeypatch, capsys) -> str:
    """``sre-pipeline backfill`` of the two weeks in this process, in ``d``'s environment."""
    with monkeypatch.context() as mp:
        for name in [k for k in os.environ if k.startswith(("SRE_PIPELINE_", "DAGSTER_"))]:
            mp.delenv(name)
        mp.delenv("PROMETHEUS_URL", raising=False)
        for name, value in d.environment().items():
            if name.startswith(("SRE_PIPELINE_", "DAGSTER_")):
                mp.setenv(name, value)
        mp.chdir(d.root)
        code = main(["backfill", "--start", FIRST, "--end", END])
    out = capsys.readouterr()
    assert code == 0, f"back-fill failed ({code}):\n{out.out}\n{out.err}\n{failures(d)}"
    return out.out


def failures(d: Deployment) -> str:
    """The errors in the event logs of the deployment's failed runs (a run that fails before
    its steps, in the executor, says why only there)."""
    lines = []
    with dg.DagsterInstance.from_config(str(d.home)) as instance:
        for record in instance.get_run_records():
            run = record.dagster_run
            if run.status != dg.DagsterRunStatus.FAILURE:
                continue
            for entry in instance.all_logs(run.run_id):
                event = entry.dagster_event
                data = getattr(event, "event_specific_data", None) if event else None
                error = getattr(data, "error", None)
                if error is not None:
                    lines.append(f"run {run.run_id} {event.event_type_value}: {error.to_string()}")
    return "\n".join(lines)[-6000:]


def table(url: str, name: str) -> pd.DataFrame:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            frame = pd.read_sql(sa.text(f'SELECT * FROM "{name}"'), conn)
    finally:
        engine.dispose()
    return frame.sort_values(TABLES[name]).reset_index(drop=True)


def steps_by_worker(d: Deployment) -> tuple[dict[str, list[str]], list[str]]:
    """Each Celery worker's steps in the deployment's runs (from the engine events the
    workers write into Dagster's storage), and every step that succeeded in those runs."""
    ran: dict[str, list[str]] = {}
    succeeded: list[str] = []
    with dg.DagsterInstance.from_config(str(d.home)) as instance:
        for record in instance.get_run_records():
            for entry in instance.all_logs(record.dagster_run.run_id):
                event = entry.dagster_event
                if event is not None and event.is_step_success:
                    succeeded.append(event.step_key)
                if event is None or not event.is_engine_event:
                    continue
                metadata = event.engine_event_data.metadata or {}
                if "Celery worker" in metadata:
                    worker = metadata["Celery worker"].value
                    ran.setdefault(worker, []).append(event.step_key)
    return ran, succeeded


@pytest.mark.slow
def test_a_backfill_on_two_celery_workers_fills_the_warehouse_as_in_process(
    prometheus: PrometheusServer,
    postgres_server: PostgresServer,
    redis_server: RedisServer,
    tmp_path,
    monkeypatch,
    capsys,
):
    broker, backend = redis_server.url(0), redis_server.url(1)
    celery_executor = f"executor: {{type: celery, broker: '{broker}', backend: '{backend}'}}\n"
    made: list[Deployment] = []
    workers: list[Worker] = []
    try:
        made.append(deployment(tmp_path / "in_process", postgres_server, prometheus.url, ""))
        made.append(
            deployment(tmp_path / "celery", postgres_server, prometheus.url, celery_executor)
        )
        local, celery = made
        summary = run_backfill(local, monkeypatch, capsys)
        assert summary.startswith("Back-filled in 1 run(s)"), summary
        assert not steps_by_worker(local)[0]  # the reference really ran in process

        try:
            start_workers(celery, broker, backend, workers)
            nodes = wait_until_ready(workers, broker, backend)
            summary = run_backfill(celery, monkeypatch, capsys)
            assert summary.startswith("Back-filled in 1 run(s)"), summary
            ran, succeeded = steps_by_worker(celery)
            # every step of every run ran on a worker, and both workers took some
            assert set(ran) == nodes, f"steps by worker: {ran}"
            assert sorted(s for keys in ran.values() for s in keys) == sorted(succeeded)
            assert {"slo_catalog", "sli_events", "slo_status", "capacity_status"} <= set(succeeded)
        except BaseException as exc:
            stop_all(workers)
            raise AssertionError(f"{exc}\n{logs_of(workers)}") from exc

        for name in TABLES:
            a, b = table(local.warehouse_url, name), table(celery.warehouse_url, name)
            assert len(a) > 0, f"{name}: the in-process back-fill wrote no rows"
            pd.testing.assert_frame_equal(
                b, a, check_exact=False, rtol=TOLERANCE, atol=TOLERANCE, obj=name
            )
        assert table(local.warehouse_url, "sli_events")["slo"].nunique() == 18
        assert len(table(local.warehouse_url, "slo_status")) == 18 * 14
    finally:
        stop_all(workers)
        for d in made:
            for url in (d.dagster_url, d.warehouse_url):
                postgres_server.drop_database(sa.make_url(url).database)
