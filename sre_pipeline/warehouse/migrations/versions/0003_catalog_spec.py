"""The stored catalog is what the other assets read: its order and each SLO's validated spec.

Rows written before this revision have neither; the assets that read the catalog ask for
``slo_catalog`` to be materialised again (every job does that first).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``slo_catalog.position`` and ``slo_catalog.spec``."""
    with op.batch_alter_table("slo_catalog") as batch:
        batch.add_column(sa.Column("position", sa.Integer, nullable=True))
        batch.add_column(sa.Column("spec", sa.JSON, nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("slo_catalog") as batch:
        batch.drop_column("spec")
        batch.drop_column("position")
