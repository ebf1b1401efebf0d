"""Initial warehouse: catalog, events, daily status, episodes, incidents, action items,
capacity samples, review runs, outbound audit.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(200)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the first revision's tables."""
    op.create_table(
        "slo_catalog",
        sa.Column("slo", ID, primary_key=True),
        sa.Column("service", ID, nullable=False),
        sa.Column("name", ID, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("owner", sa.String(200)),
        sa.Column("team", sa.String(200)),
        sa.Column("objective", sa.Float, nullable=False),
        sa.Column("period", sa.String(40), nullable=False),
        sa.Column("sli_kind", sa.String(20), nullable=False),
        sa.Column("budgeting", sa.String(20), nullable=False),
        sa.Column("window_set", sa.String(20), nullable=False),
        sa.Column("aspirational", sa.Boolean, nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("source_format", sa.String(20), nullable=False),
        sa.Column("source_file", sa.Text, nullable=False),
    )
    op.create_table(
        "sli_events",
        sa.Column("slo", ID, nullable=False),
        sa.Column("bucket_start", TS, nullable=False),
        sa.Column("good", sa.Float, nullable=False),
        sa.Column("total", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("bucket_start", "slo", name="pk_sli_events"),
    )
    op.create_table(
        "slo_status",
        sa.Column("slo", ID, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("objective", sa.Float, nullable=False),
        sa.Column("period", sa.String(40), nullable=False),
        sa.Column("attainment", sa.Float),
        sa.Column("budget_remaining", sa.Float),
        sa.Column("budget_remaining_events", sa.Float),
        sa.Column("budget_remaining_minutes", sa.Float),
        *(
            sa.Column(f"burn_rate_{w}", sa.Float)
            for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "period")
        ),
        sa.Column("time_to_exhaustion_hours", sa.Float),
        sa.Column("escalation", sa.String(10)),
        sa.Column("policy_tier", sa.String(60)),
        sa.Column("coverage", sa.Float),
        sa.Column("events_total", sa.Float),
        sa.Column("events_bad", sa.Float),
        sa.Column("good_gt_total_buckets", sa.Integer, nullable=False),
        sa.Column("aspirational", sa.Boolean, nullable=False),
        sa.Column("alerts", sa.JSON, nullable=False),
    )
    op.create_table(
        "burn_alert_episodes",
        sa.Column("slo", ID, primary_key=True),
        sa.Column("long_window", sa.String(20), primary_key=True),
        sa.Column("short_window", sa.String(20), primary_key=True),
        sa.Column("start", TS, primary_key=True),
        sa.Column("end", TS),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("factor", sa.Float, nullable=False),
        sa.Column("peak_burn_rate", sa.Float, nullable=False),
    )
    op.create_index("ix_burn_alert_episodes_start", "burn_alert_episodes", ["start"])
    op.create_table(
        "incidents",
        sa.Column("incident_id", ID, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("services", sa.JSON, nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("detected_at", TS),
        sa.Column("acknowledged_at", TS),
        sa.Column("resolved_at", TS),
        sa.Column("postmortem_published_at", TS),
        sa.Column("postmortem_ref", sa.Text),
        sa.Column("week_start", sa.Date, nullable=False),
    )
    op.create_table(
        "action_items",
        sa.Column("item_id", ID, primary_key=True),
        sa.Column("incident_id", ID),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("owner", sa.String(200)),
        sa.Column("team", sa.String(200)),
        sa.Column("severity", sa.String(10)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", TS),
        sa.Column("due_date", sa.Date),
        sa.Column("completed_at", TS),
        sa.Column("tracker_ref", sa.Text),
    )
    op.create_table(
        "capacity_samples",
        sa.Column("resource", ID, nullable=False),
        sa.Column("ts", TS, nullable=False),
        sa.Column("utilisation", sa.Float, nullable=False),
        sa.Column("capacity", sa.Float),
        sa.PrimaryKeyConstraint("ts", "resource", name="pk_capacity_samples"),
    )
    op.create_table(
        "review_runs",
        sa.Column("week_start", sa.Date, primary_key=True),
        sa.Column("generated_at", TS, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("markdown_path", sa.Text),
        sa.Column("html_path", sa.Text),
        sa.Column("summary", sa.JSON, nullable=False),
    )
    op.create_table(
        "outbound_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_outbound_audit_fingerprint", "outbound_audit", ["kind", "fingerprint"])


def downgrade() -> None:
    """Drop everything the first revision created."""
    for table in (
        "outbound_audit",
        "review_runs",
        "capacity_samples",
        "action_items",
        "incidents",
        "burn_alert_episodes",
        "slo_status",
        "sli_events",
        "slo_catalog",
    ):
        op.drop_table(table)
