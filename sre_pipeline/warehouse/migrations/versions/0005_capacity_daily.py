"""The daily roll-up of capacity samples that the capacity status reads (docs/capacity.md).

A day's status used to read every sample of its look-back (5,000 resources at a 5-minute step
are 50 million samples over five weeks); it now reads one row per resource and day. The table
starts empty: ``sre-pipeline backfill --assets capacity_daily`` (or any back-fill, which runs
it with the collection) fills it from the stored samples, because the local day depends on
the configured time zone, which a migration does not know.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

ID = sa.String(200)  # as in 0001: a migration does not follow later schema edits

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``capacity_daily``."""
    op.create_table(
        "capacity_daily",
        sa.Column("resource", ID, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("current_utilisation", sa.Float, nullable=False),
        sa.Column("mean_utilisation", sa.Float, nullable=False),
        sa.Column("p95_utilisation", sa.Float, nullable=False),
        sa.Column("peak_utilisation", sa.Float, nullable=False),
        sa.Column("samples", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("day", "resource", name="pk_capacity_daily"),
    )


def downgrade() -> None:
    """Drop ``capacity_daily``."""
    op.drop_table("capacity_daily")
