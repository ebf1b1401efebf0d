"""SQLite: the time-series tables stored in primary-key order (``WITHOUT ROWID``).

``sli_events``, ``slo_daily`` and ``capacity_samples`` are read by time range (a status reads
the last days of every SLO's buckets). In a rowid table their primary-key index only points
at rows stored in insertion order, so a range of days costs a random table lookup per row;
a ``WITHOUT ROWID`` table keeps the rows in the primary key's (time, key) order and the same
read is one sequential scan: 576,000 rows in 0.95 s instead of 2.2 s (docs/performance.md).
PostgreSQL keeps its heap tables (no change).

Each table is rebuilt in the upgrade's one transaction (copied in key order, the old one
dropped, the new one renamed): on a large SQLite warehouse this takes a while once (about
a minute per 10 million rows) and needs the table's size again in free disk.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# table -> (column definitions as SQLAlchemy created them, primary-key name, its columns)
TABLES = {
    "sli_events": (
        "slo VARCHAR(200) NOT NULL, bucket_start DATETIME NOT NULL, "
        "good FLOAT NOT NULL, total FLOAT NOT NULL",
        "pk_sli_events",
        "bucket_start, slo",
    ),
    "slo_daily": (
        "slo VARCHAR(200) NOT NULL, day_start DATETIME NOT NULL, day_end DATETIME NOT NULL, "
        "bad FLOAT NOT NULL, total FLOAT NOT NULL, buckets INTEGER NOT NULL, "
        "good_gt_total INTEGER NOT NULL, budgeting VARCHAR(80) NOT NULL",
        "pk_slo_daily",
        "day_start, slo",
    ),
    "capacity_samples": (
        "resource VARCHAR(200) NOT NULL, ts DATETIME NOT NULL, utilisation FLOAT NOT NULL, "
        "capacity FLOAT",
        "pk_capacity_samples",
        "ts, resource",
    ),
}


def _rebuild(table: str, rowid: bool) -> None:
    columns, pk, keys = TABLES[table]
    names = ", ".join(c.split()[0] for c in columns.split(", "))
    option = "" if rowid else " WITHOUT ROWID"
    op.execute(
        f"CREATE TABLE {table}_rebuilt ({columns}, CONSTRAINT {pk} PRIMARY KEY ({keys})){option}"
    )
    op.execute(f"INSERT INTO {table}_rebuilt ({names}) SELECT {names} FROM {table} ORDER BY {keys}")
    op.execute(f"DROP TABLE {table}")
    op.execute(f"ALTER TABLE {table}_rebuilt RENAME TO {table}")


def upgrade() -> None:
    """Rebuild the three tables ``WITHOUT ROWID`` (SQLite only)."""
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            _rebuild(table, rowid=False)


def downgrade() -> None:
    """Rebuild them as rowid tables again (SQLite only)."""
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            _rebuild(table, rowid=True)
