"""One asset per ``dbt_like_sql`` model, its refs as dependencies.

No ``from __future__ import annotations``: Dagster reads the real annotations.
"""

import hashlib
import re
from datetime import timedelta

import dagster as dg
import sqlalchemy as sa

from sre_pipeline.defs.resources import PipelineSettings, WarehouseResource
from sre_pipeline.warehouse.models import ModelError, discover

# the weekly job runs on Mondays: a mart older than a week and a day is stale
WEEKLY_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(days=8))
# warehouse tables written by an asset of this code location, by table name -> asset key
TABLE_ASSETS = {
    "slo_catalog": "slo_catalog",
    "sli_events": "sli_events",
    "slo_status": "slo_status",
    "burn_alert_episodes": "burn_alerts",
    "capacity_samples": "capacity_samples",
    "capacity_status": "capacity_status",
    "incidents": "incidents",
    "action_items": "action_items",
    "incident_budget": "incident_budget",
    "budget_outside_incidents": "incident_budget",
    "alert_incident_links": "incident_alerts",
    "incident_detection": "incident_alerts",
}


_CONFIG = re.compile(r"^\s*\{\{\s*config\(.*?\)\s*\}\}\s*$")


def leading_comment(sql: str) -> str:
    """The ``--`` comment lines a model opens with (after its ``config()`` call), as prose:
    what the model is, in its author's words."""
    lines = []
    for line in sql.splitlines():
        text = line.strip()
        if not lines and (not text or _CONFIG.match(text)):
            continue
        if not text.startswith("--"):
            break
        lines.append(text[2:].strip())
    return " ".join(lines)


def _columns(engine, name: str) -> dg.TableSchema:
    """The columns of the table or view a model run just built."""
    columns = sa.inspect(engine).get_columns(name)
    return dg.TableSchema(
        columns=[dg.TableColumn(c["name"], str(c["type"]).lower()) for c in columns]
    )


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
        description=f"{leading_comment(model.sql) or 'SQL model.'}\n\n"
        f"`dbt_like_sql/{model.path.parent.name}/{model.path.name}` ({model.materialized}).",
        code_version=hashlib.sha256(model.sql.encode()).hexdigest()[:12],
        metadata={"dagster/table_name": f"warehouse.{name}"},
        freshness_policy=WEEKLY_FRESHNESS,
    )
    def _asset(
        context: dg.AssetExecutionContext, settings: PipelineSettings, warehouse: WarehouseResource
    ):
        as_of = settings.now().tz_convert(settings.time_zone).date()  # "today" for the team
        engine = warehouse.engine()
        try:
            runs = graph.run(engine, {"as_of": as_of}, select=[name])
        except ModelError as exc:
            details = {"error": dg.MetadataValue.md(f"```\n{exc}\n```")}
            raise dg.Failure(description=str(exc).splitlines()[0], metadata=details) from None
        run = next(r for r in runs if r.name == name)
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": run.rows,
                "dagster/column_schema": _columns(engine, name),
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
