"""What incidents cost and which alerts they explain (docs/incidents.md): the weekly tables
``incident_budget``, ``budget_outside_incidents``, ``alert_incident_links`` and
``incident_detection``, and the weeks of each action item's creation and completion.

The new tables start empty and fill per week (``sre-pipeline backfill --weeks`` or the weekly
job); the action items' weeks are written by the next incidents run, which rewrites the table
from the postmortems (the configured time zone decides the week, which a migration does not
know).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

ID = sa.String(200)  # as in 0001: a migration does not follow later schema edits
UTC = sa.DateTime(timezone=True)

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the four tables; add ``action_items.created_week`` and ``completed_week``."""
    with op.batch_alter_table("action_items") as batch:
        batch.add_column(sa.Column("created_week", sa.Date))
        batch.add_column(sa.Column("completed_week", sa.Date))
    op.create_table(
        "incident_budget",
        sa.Column("incident_id", ID, primary_key=True),
        sa.Column("slo", ID, primary_key=True),
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("service", ID, nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("cause", sa.String(20), nullable=False),
        sa.Column("span_start", UTC, nullable=False),
        sa.Column("span_end", UTC, nullable=False),
        sa.Column("bad_events", sa.Float, nullable=False),
        sa.Column("span_events", sa.Float, nullable=False),
        sa.Column("span_coverage", sa.Float),
        sa.Column("period_events", sa.Float, nullable=False),
        sa.Column("budget_events", sa.Float, nullable=False),
        sa.Column("budget_share", sa.Float),
        sa.Column("downtime_minutes", sa.Float),
        sa.Column("four_week_share", sa.Float),
    )
    op.create_index("ix_incident_budget_week_start", "incident_budget", ["week_start"])
    op.create_table(
        "budget_outside_incidents",
        sa.Column("slo", ID, nullable=False),
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("service", ID, nullable=False),
        sa.Column("bad_events", sa.Float, nullable=False),
        sa.Column("incident_bad_events", sa.Float, nullable=False),
        sa.Column("outside_bad_events", sa.Float, nullable=False),
        sa.Column("total_events", sa.Float, nullable=False),
        sa.Column("budget_events", sa.Float),
        sa.Column("outside_share", sa.Float),
        sa.PrimaryKeyConstraint("week_start", "slo", name="pk_budget_outside_incidents"),
    )
    op.create_table(
        "alert_incident_links",
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("slo", ID, nullable=False),
        sa.Column("service", ID),
        sa.Column("long_window", sa.String(20), nullable=False),
        sa.Column("short_window", sa.String(20), nullable=False),
        sa.Column("episode_start", UTC, nullable=False),
        sa.Column("episode_end", UTC),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("incident_id", ID),
    )
    op.create_index("ix_alert_incident_links_week_start", "alert_incident_links", ["week_start"])
    op.create_table(
        "incident_detection",
        sa.Column("incident_id", ID, primary_key=True),
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("detected_at", UTC, nullable=False),
        sa.Column("first_alert_at", UTC),
        sa.Column("alert_lead_minutes", sa.Float),
        sa.Column("alert_episodes", sa.Integer, nullable=False),
        sa.Column("detection_gap", sa.Boolean, nullable=False),
    )
    op.create_index("ix_incident_detection_week_start", "incident_detection", ["week_start"])


def downgrade() -> None:
    """Back to revision 0006."""
    for name in (
        "incident_detection",
        "alert_incident_links",
        "budget_outside_incidents",
        "incident_budget",
    ):
        op.drop_table(name)
    with op.batch_alter_table("action_items") as batch:
        batch.drop_column("completed_week")
        batch.drop_column("created_week")
