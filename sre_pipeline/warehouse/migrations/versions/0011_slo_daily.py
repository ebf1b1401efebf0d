"""Daily roll-ups of the SLI events (``slo_daily``): one row per SLO and local day, written
with the day's events, so a day's status reads its period as days and only the last days as
buckets. Empty after the upgrade: a status run computes the missing days from the events it
reads (and stores them), so the first run after the upgrade reads as much as before.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``slo_daily``."""
    op.create_table(
        "slo_daily",
        sa.Column("slo", sa.String(200), nullable=False),
        sa.Column("day_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bad", sa.Float, nullable=False),
        sa.Column("total", sa.Float, nullable=False),
        sa.Column("buckets", sa.Integer, nullable=False),
        sa.Column("good_gt_total", sa.Integer, nullable=False),
        sa.Column("budgeting", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("day_start", "slo", name="pk_slo_daily"),
    )


def downgrade() -> None:
    """Drop ``slo_daily``."""
    op.drop_table("slo_daily")
