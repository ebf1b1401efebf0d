"""The pipeline's own record of the tickets it manages (docs/tickets.md): ``tickets``, one row
per ticket opened (a condition that clears and comes back gets a new ticket, so a fingerprint
may have several rows, at most one of them open).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

ID = sa.String(200)  # as in 0001: a migration does not follow later schema edits
UTC = sa.DateTime(timezone=True)

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``tickets``."""
    op.create_table(
        "tickets",
        sa.Column("tracker", sa.String(100), primary_key=True),
        sa.Column("tracker_id", sa.String(100), primary_key=True),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject", ID, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("priority", sa.String(10)),
        sa.Column("team", ID),
        sa.Column("opened_at", UTC, nullable=False),
        sa.Column("opened_week", sa.Date, nullable=False),
        sa.Column("last_comment_week", sa.Date),
        sa.Column("closed_at", UTC),
        sa.Column("closed_by", sa.String(20)),
        sa.Column("overdue_noted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("remote_status", sa.String(100)),
        sa.Column("assignee", sa.String(200)),
        sa.Column("due_date", sa.Date),
        sa.Column("conflict", sa.Text),
        sa.Column("synced_at", UTC, nullable=False),
    )
    op.create_index("ix_tickets_fingerprint", "tickets", ["fingerprint"])


def downgrade() -> None:
    """Back to revision 0007."""
    op.drop_table("tickets")
