"""The emergency stop: the environment variable or the configured file."""

from __future__ import annotations

from sre_pipeline.tickets.stop import ENV_STOP, emergency_stop


def test_the_variable_and_the_file_stop_everything(tmp_path, monkeypatch):
    stop = tmp_path / "STOP"
    monkeypatch.delenv(ENV_STOP, raising=False)
    assert emergency_stop(str(stop)) is None
    stop.touch()
    assert emergency_stop(str(stop)) == f"emergency stop: file {stop} exists (remove it to resume)"
    stop.unlink()
    for off in ("0", "false", "no", ""):
        monkeypatch.setenv(ENV_STOP, off)
        assert emergency_stop(None) is None
    monkeypatch.setenv(ENV_STOP, "incident-4711")
    assert emergency_stop(None) == f"emergency stop: environment variable {ENV_STOP}=incident-4711"
