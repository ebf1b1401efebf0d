"""The last result of each data-quality suite per day, with a fingerprint of what it checked
(``quality_results``), so the weekly section re-runs a suite only on days whose data or inputs
changed since. Empty after the upgrade: the first weekly section validates every day as before.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``quality_results``."""
    op.create_table(
        "quality_results",
        sa.Column("suite", sa.String(40), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("inputs", sa.String(64), nullable=False),
        sa.Column("data_rows", sa.Integer, nullable=False),
        sa.Column("data_sums", sa.Text, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("errors", sa.Text, nullable=False),
        sa.Column("warnings", sa.Text, nullable=False),
        sa.Column("partial", sa.Text, nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("suite", "scope", name="pk_quality_results"),
    )


def downgrade() -> None:
    """Drop ``quality_results``."""
    op.drop_table("quality_results")
