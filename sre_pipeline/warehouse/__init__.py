"""The warehouse: SQLAlchemy Core tables, idempotent slice writes, schema upgrades, SQL models."""
