"""Warehouse tables (SQLAlchemy Core), the current revision of the schema.

Timestamps are UTC. Keys are chosen so that every partition write is "delete the slice, insert
it again" on an index: (bucket_start, slo) for events, (slo, day) for daily status,
(ts, resource) for capacity. ``week_start`` (the Monday of the configured time zone) is stored
with daily rows so the weekly SQL models need no dialect-specific date functions.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    false,
    true,
)

metadata = MetaData()
ID = String(200)  # SLO ids, resources, incident ids: Sloth-style ids are short, 200 is ample

slo_catalog = Table(
    "slo_catalog",
    metadata,
    Column("slo", ID, primary_key=True),
    Column("service", ID, nullable=False),
    Column("name", ID, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("owner", String(200)),
    Column("team", String(200)),
    Column("objective", Float, nullable=False),
    Column("period", String(40), nullable=False),
    Column("sli_kind", String(20), nullable=False),
    Column("budgeting", String(20), nullable=False),
    Column("window_set", String(20), nullable=False),
    Column("aspirational", Boolean, nullable=False),
    Column("labels", JSON, nullable=False),
    Column("source_format", String(20), nullable=False),
    Column("source_file", Text, nullable=False),
    # the catalog as the other assets read it: order, and the whole validated SLO as JSON
    Column("position", Integer),
    Column("spec", JSON),
    # false: a valid SLO the pipeline lists but cannot collect; note says why (0010)
    Column("collectable", Boolean, nullable=False, server_default=true()),
    Column("note", Text),
)

# Time first in the primary key: partition writes delete and read by time window, and one
# index (not two) to maintain doubles bulk-load speed.
sli_events = Table(
    "sli_events",
    metadata,
    Column("slo", ID, nullable=False),
    Column("bucket_start", DateTime(timezone=True), nullable=False),
    Column("good", Float, nullable=False),
    Column("total", Float, nullable=False),
    PrimaryKeyConstraint("bucket_start", "slo", name="pk_sli_events"),
    sqlite_with_rowid=False,  # rows kept in (time, key) order: migration 0012
)

slo_daily = Table(
    # each SLO's sums over one local day (slo.budget.rollup), written with its events in one
    # transaction, so a status reads a period as one row per day; a cache of sli_events:
    # rows are used only where they tile a period exactly under the SLO's current budgeting
    "slo_daily",
    metadata,
    Column("slo", ID, nullable=False),
    Column("day_start", DateTime(timezone=True), nullable=False),
    Column("day_end", DateTime(timezone=True), nullable=False),
    Column("bad", Float, nullable=False),
    Column("total", Float, nullable=False),
    Column("buckets", Integer, nullable=False),
    Column("good_gt_total", Integer, nullable=False),
    Column("budgeting", String(80), nullable=False),
    PrimaryKeyConstraint("day_start", "slo", name="pk_slo_daily"),
    sqlite_with_rowid=False,  # rows kept in (time, key) order: migration 0012
)

slo_status = Table(
    "slo_status",
    metadata,
    Column("slo", ID, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("week_start", Date, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("objective", Float, nullable=False),
    Column("period", String(40), nullable=False),
    Column("attainment", Float),
    Column("budget_remaining", Float),
    Column("budget_remaining_events", Float),
    Column("budget_remaining_minutes", Float),
    *(
        Column(f"burn_rate_{w}", Float)
        for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "period")
    ),
    Column("time_to_exhaustion_hours", Float),
    Column("escalation", String(10)),
    Column("policy_tier", String(60)),
    Column("coverage", Float),
    Column("events_total", Float),
    Column("events_bad", Float),
    Column("good_gt_total_buckets", Integer, nullable=False, default=0),
    Column("aspirational", Boolean, nullable=False),
    Column("alerts", JSON, nullable=False),
    Index("ix_slo_status_week_start", "week_start"),
)

burn_alert_episodes = Table(
    "burn_alert_episodes",
    metadata,
    Column("slo", ID, primary_key=True),
    Column("long_window", String(20), primary_key=True),
    Column("short_window", String(20), primary_key=True),
    Column("start", DateTime(timezone=True), primary_key=True),
    Column("end", DateTime(timezone=True)),
    Column("severity", String(10), nullable=False),
    Column("factor", Float, nullable=False),
    Column("peak_burn_rate", Float, nullable=False),
    Index("ix_burn_alert_episodes_start", "start"),
)

incidents = Table(
    "incidents",
    metadata,
    Column("incident_id", ID, primary_key=True),
    Column("title", Text, nullable=False),
    Column("severity", String(10), nullable=False),
    Column("services", JSON, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("detected_at", DateTime(timezone=True)),
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("postmortem_published_at", DateTime(timezone=True)),
    Column("postmortem_ref", Text),
    # deployment, configuration, ... unknown; draft, review, final (defaults as revision 0006)
    Column("cause", String(20), nullable=False, server_default="unknown"),
    Column("postmortem_status", String(10), nullable=False, server_default="draft"),
    Column("week_start", Date, nullable=False),
)

action_items = Table(
    "action_items",
    metadata,
    Column("item_id", ID, primary_key=True),
    Column("incident_id", ID),
    Column("title", Text, nullable=False),
    Column("owner", String(200)),
    Column("team", String(200)),
    Column("severity", String(10)),
    Column("status", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True)),
    Column("due_date", Date),
    Column("completed_at", DateTime(timezone=True)),
    Column("tracker_ref", Text),
    Column("priority", String(2)),  # P0 .. P3
    Column("created_week", Date),  # Mondays in the configured zone, for per-week counts
    Column("completed_week", Date),
)

# Weekly partitions (the week an incident started): what each incident cost each SLO of its
# services (docs/incidents.md "What each incident cost").
incident_budget = Table(
    "incident_budget",
    metadata,
    Column("incident_id", ID, primary_key=True),
    Column("slo", ID, primary_key=True),
    Column("week_start", Date, nullable=False),
    Column("service", ID, nullable=False),
    Column("severity", String(10), nullable=False),
    Column("cause", String(20), nullable=False),
    Column("span_start", DateTime(timezone=True), nullable=False),
    Column("span_end", DateTime(timezone=True), nullable=False),
    Column("bad_events", Float, nullable=False),
    Column("span_events", Float, nullable=False),
    Column("span_coverage", Float),
    Column("period_events", Float, nullable=False),
    Column("budget_events", Float, nullable=False),
    Column("budget_share", Float),  # NULL: no events in the period, so no budget
    Column("downtime_minutes", Float),
    Column("four_week_share", Float),
    Index("ix_incident_budget_week_start", "week_start"),
)

# Per SLO and week: bad events inside declared incidents and outside them (slow burns).
budget_outside_incidents = Table(
    "budget_outside_incidents",
    metadata,
    Column("slo", ID, nullable=False),
    Column("week_start", Date, nullable=False),
    Column("service", ID, nullable=False),
    Column("bad_events", Float, nullable=False),
    Column("incident_bad_events", Float, nullable=False),
    Column("outside_bad_events", Float, nullable=False),
    Column("total_events", Float, nullable=False),
    Column("budget_events", Float),  # the period's budget as of the week's last day
    Column("outside_share", Float),
    PrimaryKeyConstraint("week_start", "slo", name="pk_budget_outside_incidents"),
)

# Per week (of the episode's start): each burn-rate alert episode and the incidents it
# overlaps, one row per pair; an episode no incident explains has one row with no incident.
alert_incident_links = Table(
    "alert_incident_links",
    metadata,
    Column("week_start", Date, nullable=False),
    Column("slo", ID, nullable=False),
    Column("service", ID),
    Column("long_window", String(20), nullable=False),
    Column("short_window", String(20), nullable=False),
    Column("episode_start", DateTime(timezone=True), nullable=False),
    Column("episode_end", DateTime(timezone=True)),
    Column("severity", String(10), nullable=False),
    Column("incident_id", ID),
    Index("ix_alert_incident_links_week_start", "week_start"),
)

# Per week (of the incident's start): did an alert fire before people detected it?
incident_detection = Table(
    "incident_detection",
    metadata,
    Column("incident_id", ID, primary_key=True),
    Column("week_start", Date, nullable=False),
    Column("detected_at", DateTime(timezone=True), nullable=False),  # started_at when unknown
    Column("first_alert_at", DateTime(timezone=True)),
    Column("alert_lead_minutes", Float),  # detection - first overlapping alert (> 0: alert first)
    Column("alert_episodes", Integer, nullable=False),
    Column("detection_gap", Boolean, nullable=False),
    Index("ix_incident_detection_week_start", "week_start"),
)

capacity_samples = Table(
    "capacity_samples",
    metadata,
    Column("resource", ID, nullable=False),
    Column("ts", DateTime(timezone=True), nullable=False),
    Column("utilisation", Float, nullable=False),
    Column("capacity", Float),
    PrimaryKeyConstraint("ts", "resource", name="pk_capacity_samples"),
    sqlite_with_rowid=False,  # rows kept in (time, key) order: migration 0012
)

# The day's figures of each resource, rolled up from its samples (one row per resource and
# local day): what the status and its forecasts read, so a day's status reads a few thousand
# rows per day of look-back, not every sample (docs/capacity.md).
capacity_daily = Table(
    "capacity_daily",
    metadata,
    Column("resource", ID, nullable=False),
    Column("day", Date, nullable=False),
    Column("current_utilisation", Float, nullable=False),  # the day's last sample
    Column("mean_utilisation", Float, nullable=False),
    Column("p95_utilisation", Float, nullable=False),
    Column("peak_utilisation", Float, nullable=False),
    Column("samples", Integer, nullable=False),
    PrimaryKeyConstraint("day", "resource", name="pk_capacity_daily"),
)

# One row per resource and local day (sre_pipeline.capacity.status; docs/capacity.md).
CAPACITY_LEVELS = ("warn", "scale", "emergency")
capacity_status = Table(
    "capacity_status",
    metadata,
    Column("resource", ID, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("week_start", Date, nullable=False),
    Column("current_utilisation", Float),
    Column("mean_utilisation", Float),
    Column("p95_utilisation", Float),
    Column("peak_utilisation", Float),
    Column("state", String(20)),
    Column("headroom", Float),  # capacity over peak demand (1 / peak utilisation)
    Column("headroom_target", Float),
    Column("headroom_ok", Boolean),
    Column("peak_growth_wow", Float),
    Column("trend", String(20)),
    Column("trend_per_day", Float),
    *[
        Column(f"{level}_{part}", String(20) if part == "status" else Date)
        for level in CAPACITY_LEVELS
        for part in ("status", "on", "earliest", "latest", "since")
    ],
)

# The tickets the pipeline manages, one row per ticket (docs/tickets.md): a condition that
# clears and returns gets a new ticket, so a fingerprint may have several rows, one open.
tickets = Table(
    "tickets",
    metadata,
    Column("tracker", String(100), primary_key=True),
    Column("tracker_id", String(100), primary_key=True),
    Column("fingerprint", String(128), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("subject", ID, nullable=False),
    Column("title", Text, nullable=False),
    Column("url", Text),
    Column("state", String(10), nullable=False),  # open | closed
    Column("priority", String(10)),
    Column("team", ID),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("opened_week", Date, nullable=False),
    Column("last_comment_week", Date),
    Column("closed_at", DateTime(timezone=True)),
    Column("closed_by", String(20)),  # pipeline | tracker
    Column("overdue_noted", Boolean, nullable=False, server_default=false()),
    # read back from the tracker (action items): its status name, assignee and due date
    Column("remote_status", String(100)),
    Column("assignee", String(200)),
    Column("due_date", Date),
    Column("synced_at", DateTime(timezone=True), nullable=False),
    Index("ix_tickets_fingerprint", "fingerprint"),
)

# What the tracker says of each action item that lives as a ticket (ours, or the one its
# postmortem names): rebuilt by every ticket step, read by the review and stg_action_items.
action_item_tracking = Table(
    "action_item_tracking",
    metadata,
    Column("item_id", ID, primary_key=True),
    Column("source", String(20), nullable=False),  # pipeline (our ticket) | postmortem (its ref)
    Column("ref", Text),  # the postmortem's reference, as written
    Column("tracker", String(100)),
    Column("tracker_id", String(100)),
    Column("url", Text),
    # open | closed | missing (the tracker has no such ticket) | unresolved (no tracker claims it)
    Column("state", String(12), nullable=False),
    Column("closed_by", String(20)),  # tracker | tracker-cleared | pipeline
    Column("remote_status", String(100)),
    Column("assignee", String(200)),
    Column("due_date", Date),
    Column("closed_at", DateTime(timezone=True)),
    Column("closed_week", Date),  # the Monday of closed_at in the configured zone
    Column("detail", Text),  # why missing / unresolved, or the last read's error
    Column("synced_at", DateTime(timezone=True), nullable=False),
)

review_runs = Table(
    "review_runs",
    metadata,
    Column("week_start", Date, primary_key=True),
    Column("generated_at", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False),
    Column("markdown_path", Text),
    Column("html_path", Text),
    Column("summary", JSON, nullable=False),
)

# Append-only: an outbound action is recorded once, whatever happens to the run afterwards.
quality_results = Table(
    # the last result of each suite over each scope (a local day, or "all"), with what it
    # checked (the data's row count and sums, a digest of the suite's inputs): the weekly
    # data-quality section re-runs a suite only where these no longer match (quality.stored)
    "quality_results",
    metadata,
    Column("suite", String(40), nullable=False),
    Column("scope", String(20), nullable=False),
    Column("inputs", String(64), nullable=False),
    Column("data_rows", Integer, nullable=False),
    Column("data_sums", Text, nullable=False),  # JSON list of floats
    Column("rows", Integer, nullable=False),
    Column("errors", Text, nullable=False),  # JSON lists of outcome names
    Column("warnings", Text, nullable=False),
    Column("partial", Text, nullable=False),  # JSON {series: coverage} under 100 %
    Column("checked_at", DateTime(timezone=True), nullable=False),
    # digest of the day's roll-up rows after the collection it checked (migration 0014)
    Column("settled", String(64)),
    PrimaryKeyConstraint("suite", "scope", name="pk_quality_results"),
)

outbound_audit = Table(
    "outbound_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("action", String(20), nullable=False),
    Column("target", Text, nullable=False),
    Column("fingerprint", String(128), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Index("ix_outbound_audit_fingerprint", "kind", "fingerprint"),
)
