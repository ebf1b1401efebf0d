"""The code location as the tests build it: the definitions factory with test resources and
partitions from a fixed start (so fixed test days stay inside them whatever today is)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import dagster as dg

from sre_pipeline.config import load_config
from sre_pipeline.defs.factory import build_defs

START = date(2026, 1, 1)


@dataclass
class Pipeline:
    """Definitions plus shortcuts to materialise some of their assets and checks."""

    defs: dg.Definitions
    resources: dict

    def asset(self, name: str) -> dg.AssetsDefinition:
        """The (unbound) assets definition that produces ``name``."""
        for asset in self.defs.assets or []:
            if dg.AssetKey(name) in asset.keys:
                return asset
        raise KeyError(name)

    def check(self, name: str) -> dg.AssetChecksDefinition:
        """The asset checks definition named ``name``."""
        for check in self.defs.asset_checks or []:
            if name in {spec.name for spec in check.check_specs}:
                return check
        raise KeyError(name)

    def materialize(
        self, names: list[str], checks: tuple[str, ...] = (), catalog: bool = True, **kwargs
    ):
        """``dg.materialize`` of the named assets and checks with the pipeline's resources.
        Like every job of the code location, the run starts with ``slo_catalog`` (the assets
        read the stored catalog) unless ``catalog=False``."""
        if catalog and "slo_catalog" not in names:
            names = ["slo_catalog", *names]
        selection = [self.asset(n) for n in names] + [self.check(c) for c in checks]
        kwargs.setdefault("resources", self.resources)
        return dg.materialize(selection, **kwargs)


def pipeline(resources: dict, **config) -> Pipeline:
    """The factory's definitions over ``resources`` (their settings name the specs), with
    configuration fields overridden by ``config`` and collection retries off."""
    settings = resources["settings"]
    cfg = load_config().model_copy(
        update={
            "slos": list(settings.slos),
            "capacity": settings.capacity,
            "time_zone": settings.time_zone,
            "start_date": START,
            "warehouse_url": resources["warehouse"].url,
            **config,
        }
    )
    return Pipeline(build_defs(cfg, resources=resources, retry=None), resources)


def range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags of a multi-day (single-run) range, as a back-fill chunk carries them."""
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
