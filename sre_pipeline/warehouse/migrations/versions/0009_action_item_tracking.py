"""What the tracker says of each action item that lives as a ticket (docs/tickets.md "Action
items read back"): ``action_item_tracking``, one row per item, rebuilt by each ticket step.
``tickets.conflict`` goes: disagreements are computed from this table, never stored twice.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

ID = sa.String(200)  # as in 0001: a migration does not follow later schema edits
UTC = sa.DateTime(timezone=True)

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``action_item_tracking``; drop the unused ``tickets.conflict``."""
    op.create_table(
        "action_item_tracking",
        sa.Column("item_id", ID, primary_key=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("ref", sa.Text),
        sa.Column("tracker", sa.String(100)),
        sa.Column("tracker_id", sa.String(100)),
        sa.Column("url", sa.Text),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("closed_by", sa.String(20)),
        sa.Column("remote_status", sa.String(100)),
        sa.Column("assignee", sa.String(200)),
        sa.Column("due_date", sa.Date),
        sa.Column("closed_at", UTC),
        sa.Column("closed_week", sa.Date),
        sa.Column("detail", sa.Text),
        sa.Column("synced_at", UTC, nullable=False),
    )
    # batch mode: SQLite rebuilds the table to drop a column
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("conflict")


def downgrade() -> None:
    """Back to revision 0008."""
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("conflict", sa.Text))
    op.drop_table("action_item_tracking")
