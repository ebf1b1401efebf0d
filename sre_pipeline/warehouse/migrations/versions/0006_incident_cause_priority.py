"""Incidents get a cause category and a postmortem status; action items a priority (P0-P3)
(docs/incidents.md).

Stored incidents become ``cause = 'unknown'`` and ``postmortem_status`` ``final`` when their
postmortem was published, else ``draft``, which is what the postmortems said; the next
incidents run rewrites both tables from the postmortems anyway.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``incidents.cause``, ``incidents.postmortem_status``, ``action_items.priority``."""
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(
            sa.Column("cause", sa.String(20), nullable=False, server_default="unknown")
        )
        batch.add_column(
            sa.Column("postmortem_status", sa.String(10), nullable=False, server_default="draft")
        )
    op.execute(
        "UPDATE incidents SET postmortem_status = 'final' WHERE postmortem_published_at IS NOT NULL"
    )
    with op.batch_alter_table("action_items") as batch:
        batch.add_column(sa.Column("priority", sa.String(2)))


def downgrade() -> None:
    """Back to revision 0005's columns."""
    with op.batch_alter_table("action_items") as batch:
        batch.drop_column("priority")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("postmortem_status")
        batch.drop_column("cause")
