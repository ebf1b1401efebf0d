"""Alembic environment: always runs on the connection handed over by ``migrate.upgrade``."""

from alembic import context

from sre_pipeline.warehouse.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things: batch mode rebuilds the table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
