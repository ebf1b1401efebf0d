"""The warehouse: SQLAlchemy Core tables, idempotent slice writes, typed reads, schema upgrades
(Alembic) and the SQL models of ``dbt_like_sql/``."""

from sre_pipeline.warehouse.collected import CollectedWrite, write_collected
from sre_pipeline.warehouse.engine import default_url, make_engine
from sre_pipeline.warehouse.migrate import upgrade
from sre_pipeline.warehouse.reads import read_columns, read_events, read_slice, stored_catalog
from sre_pipeline.warehouse.writes import Slice, replace_slice

__all__ = [
    "CollectedWrite",
    "Slice",
    "default_url",
    "make_engine",
    "read_columns",
    "read_events",
    "read_slice",
    "replace_slice",
    "stored_catalog",
    "upgrade",
    "write_collected",
]
