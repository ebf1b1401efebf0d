"""The SLO catalog asset: every spec validated and stored, and the facts the other assets take
from it (owners and tags shown in the UI).

No ``from __future__ import annotations``: Dagster reads the real annotations.
"""

from collections.abc import Sequence

import dagster as dg
import pandas as pd

from sre_pipeline.defs.metadata import md_table, spec_failure, table_metadata
from sre_pipeline.defs.resources import PipelineSettings, WarehouseResource
from sre_pipeline.inputs.problems import SpecError
from sre_pipeline.slo.spec.loader import Catalog
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.reads import read_slice, remember_stored_catalog
from sre_pipeline.warehouse.writes import Slice, replace_slice

_TAG_TEXT = str.maketrans({c: "-" for c in " /:@+,;=()[]{}'\"`"})


def catalog_rows(catalog: Catalog) -> pd.DataFrame:
    """The warehouse rows of ``slo_catalog``, one per SLO: the columns people query, and the
    whole validated SLO (``spec``) that the other assets read back (``stored_catalog``);
    SLOs the pipeline lists but cannot collect have ``collectable`` false and a ``note``."""
    return pd.DataFrame(
        [
            {
                "slo": s.id,
                "service": s.service,
                "name": s.name,
                "description": s.description,
                "owner": s.owner,
                "team": s.team,
                "objective": s.objective,
                "period": s.period.label,
                "sli_kind": s.sli.kind,
                "budgeting": s.budgeting.method,
                "window_set": s.window_set,
                "aspirational": s.aspirational,
                "labels": s.labels,
                "source_format": s.source.format,
                "source_file": s.source.file,
                "position": n,
                "spec": s.model_dump(mode="json"),
                "collectable": s.collectable,
                "note": s.note or None,
            }
            # listed SLOs last: the evaluated catalog keeps its order
            for n, s in enumerate(catalog.slos + catalog.listed)
        ],
        columns=[c.name for c in tables.slo_catalog.columns],
    )


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain records in key order, for comparing stored and new catalogs."""
    frame = frame.sort_values("slo").astype(object)
    return frame.where(frame.notna(), None).to_dict("records")


def _tag_part(text: str) -> str:
    return str(text).translate(_TAG_TEXT)[:63] or "-"


def owners_and_tags(catalog: Catalog | None) -> tuple[list[str], dict[str, str]]:
    """Asset owners (``team:<team>`` and e-mail owners of the specs) and key-only tags
    (``service/<name>``, ``tier/<label>``) that let the UI filter the SLO assets."""
    if catalog is None:
        return [], {}
    owners = {f"team:{_tag_part(s.team)}" for s in catalog.slos if s.team}
    owners |= {s.owner for s in catalog.slos if s.owner and "@" in s.owner}
    tags = {f"service/{_tag_part(s.service)}": "" for s in catalog.slos}
    tags |= {f"tier/{_tag_part(s.labels['tier'])}": "" for s in catalog.slos if "tier" in s.labels}
    return sorted(owners), dict(sorted(tags.items()))


def _slo_catalog(
    context: dg.AssetExecutionContext, settings: PipelineSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """The SLO catalog (native, OpenSLO v1 and Sloth specs) validated and stored in the
    warehouse table ``slo_catalog``; a spec error fails with every problem listed."""
    try:
        catalog = settings.catalog()
    except SpecError as exc:
        raise spec_failure(exc, "SLO specs") from None
    for warning in catalog.warnings:
        context.log.warning(str(warning))
    rows = catalog_rows(catalog)
    engine = warehouse.engine()
    # every job starts here: an unchanged catalog writes nothing (the warehouse stays
    # byte-identical when, say, the collection after it fails)
    unchanged = _records(read_slice(engine, tables.slo_catalog)) == _records(rows)
    if not unchanged:
        replace_slice(engine, tables.slo_catalog, rows, Slice())
    # the steps after this one read the catalog back: these SLOs are what it parses to
    remember_stored_catalog(engine, catalog.slos + catalog.listed)
    return dg.MaterializeResult(
        metadata={
            "unchanged": unchanged,
            "dagster/row_count": len(rows),
            "services": rows["service"].nunique(),
            "by_format": dg.MetadataValue.json(rows["source_format"].value_counts().to_dict()),
            "warnings": len(catalog.warnings),
            "not_collected": dg.MetadataValue.json({s.id: s.note for s in catalog.listed}),
            "catalog": dg.MetadataValue.md(
                md_table(rows, ["slo", "objective", "period", "sli_kind", "source_format"])
            ),
        }
    )


def catalog_asset(owners: Sequence[str], tags: dict) -> dg.AssetsDefinition:
    """``slo_catalog`` (unpartitioned: the specs as they are now)."""
    return dg.asset(
        name="slo_catalog",
        group_name="slo",
        kinds={"yaml", "sql"},
        owners=list(owners),
        tags=tags,
        code_version="1",
        metadata=table_metadata(tables.slo_catalog),
    )(_slo_catalog)
