"""The capacity status the pipeline writes: the day's figures, headroom against its target,
week-over-week growth, the trend and each threshold's forecast (docs/capacity.md).

``days_to_threshold`` gives way to a status, a date and a band per threshold. The table had no
writer before this revision, so no figure is lost.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

LEVELS = ("warn", "scale", "emergency")
PARTS = ("status", "on", "earliest", "latest", "since")
ADDED = [
    sa.Column("current_utilisation", sa.Float),
    sa.Column("p95_utilisation", sa.Float),
    sa.Column("headroom_target", sa.Float),
    sa.Column("headroom_ok", sa.Boolean),
    sa.Column("peak_growth_wow", sa.Float),
    sa.Column("trend", sa.String(20)),
    sa.Column("trend_per_day", sa.Float),
]


def _forecast_columns() -> list[sa.Column]:
    return [
        sa.Column(f"{level}_{part}", sa.String(20) if part == "status" else sa.Date)
        for level in LEVELS
        for part in PARTS
    ]


def upgrade() -> None:
    """Add the figures and forecasts; drop ``days_to_threshold``."""
    with op.batch_alter_table("capacity_status") as batch:
        for column in ADDED + _forecast_columns():
            batch.add_column(column)
        batch.drop_column("days_to_threshold")


def downgrade() -> None:
    """Back to revision 0003's columns."""
    with op.batch_alter_table("capacity_status") as batch:
        batch.add_column(sa.Column("days_to_threshold", sa.Float))
        for column in reversed(ADDED + _forecast_columns()):
            batch.drop_column(column.name)
