"""Weekly keys on daily status, and the daily capacity status table.

``slo_status.week_start`` lets the weekly SQL models group without dialect-specific date
functions. Existing rows get the Monday (UTC) of their day; the pipeline rewrites them with the
configured time zone's Monday when their partitions are re-run.

Revision ID: 0002
Revises: 0001
"""

from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _monday(day) -> date:
    day = day if isinstance(day, date) else date.fromisoformat(str(day)[:10])
    return day - timedelta(days=day.weekday())


def upgrade() -> None:
    """Add and back-fill ``slo_status.week_start``; create ``capacity_status``."""
    with op.batch_alter_table("slo_status") as batch:
        batch.add_column(sa.Column("week_start", sa.Date, nullable=True))
    conn = op.get_bind()
    status = sa.table("slo_status", sa.column("day", sa.Date), sa.column("week_start", sa.Date))
    days = [row[0] for row in conn.execute(sa.select(status.c.day).distinct())]
    for day in days:
        conn.execute(sa.update(status).where(status.c.day == day).values(week_start=_monday(day)))
    with op.batch_alter_table("slo_status") as batch:
        batch.alter_column("week_start", existing_type=sa.Date, nullable=False)
        batch.create_index("ix_slo_status_week_start", ["week_start"])
    op.create_table(
        "capacity_status",
        sa.Column("resource", sa.String(200), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("peak_utilisation", sa.Float),
        sa.Column("mean_utilisation", sa.Float),
        sa.Column("state", sa.String(20)),
        sa.Column("headroom", sa.Float),
        sa.Column("days_to_threshold", sa.Float),
    )


def downgrade() -> None:
    """Remove what :func:`upgrade` added."""
    op.drop_table("capacity_status")
    with op.batch_alter_table("slo_status") as batch:
        batch.drop_index("ix_slo_status_week_start")
        batch.drop_column("week_start")
