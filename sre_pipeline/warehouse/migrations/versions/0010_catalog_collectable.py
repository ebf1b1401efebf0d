"""Valid SLOs the pipeline cannot collect (another metric source than Prometheus, a kind it
does not evaluate yet) are listed in ``slo_catalog`` too: ``collectable`` (false for them)
and ``note`` (why). Rows written before hold collectable SLOs only.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``slo_catalog.collectable`` (true for the rows there) and ``slo_catalog.note``."""
    with op.batch_alter_table("slo_catalog") as batch:
        batch.add_column(
            sa.Column("collectable", sa.Boolean, nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("note", sa.Text))


def downgrade() -> None:
    """Drop the two columns."""
    with op.batch_alter_table("slo_catalog") as batch:
        batch.drop_column("note")
        batch.drop_column("collectable")
