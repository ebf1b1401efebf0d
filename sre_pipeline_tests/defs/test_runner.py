"""The in-process runner: quiet unless verbose, no step retries while a person waits, and
run tags for one day or a range."""

from __future__ import annotations

from sre_pipeline.defs.collection_assets import STEP_RETRIES_TAG
from sre_pipeline.defs.runner import QUIET, LocalRunner, range_tags


class Instance:
    """Enough of an instance for the constructor."""


def test_quiet_unless_verbose_and_no_step_retries_by_default():
    quiet = LocalRunner(Instance())
    assert quiet.run_config == QUIET and quiet.tags == {STEP_RETRIES_TAG: "off"}
    loud = LocalRunner(Instance(), verbose=True, step_retries=True)
    assert loud.run_config == {} and loud.tags == {}


def test_range_tags():
    assert range_tags("2026-11-01", "2026-11-01") == {"dagster/partition": "2026-11-01"}
    assert range_tags("2026-11-01", "2026-11-14") == {
        "dagster/asset_partition_range_start": "2026-11-01",
        "dagster/asset_partition_range_end": "2026-11-14",
    }
