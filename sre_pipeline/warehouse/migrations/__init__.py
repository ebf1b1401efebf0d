"""Alembic migrations of the warehouse schema, run by :mod:`sre_pipeline.warehouse.migrate`."""
