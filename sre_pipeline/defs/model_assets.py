"""One asset per ``dbt_like_sql`` model, its refs as dependencies.

No ``from __future__ import annotations``: Dagster reads the real annotations.
"""

import dagster as dg
import pandas as pd

from sre_pipeline.defs.resources import PipelineSettings, WarehouseResource
from sre_pipeline.warehouse.models import ModelError, discover

# warehouse tables written by an asset of this code location, by table name -> asset key
TABLE_ASSETS = {
    "slo_catalog": "slo_catalog",
    "sli_events": "sli_events",
    "slo_status": "slo_status",
    "burn_alert_episodes": "burn_alerts",
    "capacity_samples": "capacity_samples",
    "incidents": "incidents",
    "action_items": "action_items",
}


def _model_asset(graph, name: str) -> dg.AssetsDefinition:
    model = graph.models[name]
    deps = [
        dg.AssetKey(dep) if dep in graph.models else dg.AssetKey(TABLE_ASSETS[dep])
        for dep in model.depends_on
        if dep in graph.models or dep in TABLE_ASSETS
    ]

    @dg.asset(
        name=name,
        group_name="models",
        kinds={"sql"},
        deps=deps,
        description=f"SQL model `{model.path.parent.name}/{model.path.name}` "
        f"({model.materialized}).\n\n```sql\n{model.sql.strip()}\n```",
    )
    def _asset(
        context: dg.AssetExecutionContext, settings: PipelineSettings, warehouse: WarehouseResource
    ):
        as_of = pd.Timestamp.now(tz=settings.time_zone).date()  # "today" where the team is
        try:
            runs = graph.run(warehouse.engine(), {"as_of": as_of}, select=[name])
        except ModelError as exc:
            details = {"error": dg.MetadataValue.md(f"```\n{exc}\n```")}
            raise dg.Failure(description=str(exc).splitlines()[0], metadata=details) from None
        run = next(r for r in runs if r.name == name)
        return dg.MaterializeResult(
            metadata={
                "rows": run.rows,
                "seconds": round(run.seconds, 3),
                "materialized": run.materialized,
                "sql": dg.MetadataValue.md(f"```sql\n{run.sql.strip()}\n```"),
            }
        )

    return _asset


def model_assets() -> list[dg.AssetsDefinition]:
    """Assets for every model under ``dbt_like_sql/``, in dependency order."""
    graph = discover()
    return [_model_asset(graph, name) for name in graph.order()]
