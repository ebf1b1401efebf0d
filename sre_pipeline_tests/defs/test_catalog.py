"""The slo_catalog asset through Dagster."""

from __future__ import annotations

import dagster as dg
import pytest

from sre_pipeline.defs.catalog import slo_catalog
from sre_pipeline.defs.resources import PipelineSettings


def test_definitions_load_with_the_catalog_asset():
    from sre_pipeline.definitions import defs

    assert defs.resolve_asset_graph().get_all_asset_keys() >= {dg.AssetKey("slo_catalog")}


def test_materialise_example_catalog():
    result = dg.materialize([slo_catalog], resources={"settings": PipelineSettings()})
    assert result.success
    meta = result.asset_materializations_for_node("slo_catalog")[0].metadata
    assert meta["slo_count"].value == 18
    assert meta["by_format"].value == {"native": 14, "openslo": 2, "sloth": 2}


def test_invalid_spec_fails_the_run_with_every_problem(tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "service: {name: x}\nslos:\n  - name: a\n    objectiv: 99\n    sli: {probe: {query: up}}\n"
    )
    with pytest.raises(dg.Failure) as info:
        dg.materialize(
            [slo_catalog], resources={"settings": PipelineSettings(slo_paths=[str(tmp_path)])}
        )
    problems = info.value.metadata["problems"].value
    assert "objectiv" in problems and "did you mean 'objective'" in problems
