"""What the code location promises: asset groups, daily partitions, schedules (shared by
the definitions test and the UI test)."""

ASSET_GROUPS = {
    "slo_catalog": "slo",
    "sli_events": "slo",
    "slo_status": "slo",
    "burn_alerts": "slo",
    "capacity_samples": "capacity",
    "capacity_daily": "capacity",
    "capacity_status": "capacity",
    "incidents": "incidents",
    "action_items": "incidents",
    "incident_budget": "incidents",
    "incident_alerts": "incidents",
    "stg_slo_status": "models",
    "stg_action_items": "models",
    "weekly_slo_summary": "models",
    "action_item_completion": "models",
    "incident_metrics": "models",
    "capacity_weekly": "models",
    "incident_costs": "models",
    "budget_by_cause": "models",
    "alert_coverage": "models",
    "action_items_weekly": "models",
    "overdue_p0_items": "models",
    "incident_weeks": "models",
    "weekly_review": "review",
    "review_email": "review",
    "reliability_tickets": "tickets",
}
WEEKLY = {
    "incident_budget",
    "incident_alerts",
    "weekly_review",
    "review_email",
    "reliability_tickets",
}
LOCATION = "sre_pipeline.definitions"
DAILY = {
    "sli_events",
    "slo_status",
    "burn_alerts",
    "capacity_samples",
    "capacity_daily",
    "capacity_status",
}
CHECKS = {
    "check_sli_events": "sli_events",
    "check_capacity_samples": "capacity_samples",
    "check_incidents": "incidents",
    "check_action_items": "action_items",
    "check_slo_status": "slo_status",
    "check_capacity_status": "capacity_status",
    "p0_postmortems": "incident_budget",
    "alerts_explained": "incident_alerts",
}
# WARN checks that flag what people must act on, without blocking the marts downstream
ADVISORY_CHECKS = {"p0_postmortems", "alerts_explained"}
SCHEDULES = {
    "collection_schedule": ("5 * * * *", "collection_job"),
    "status_schedule": ("30 0 * * *", "status_job"),
    "weekly_schedule": ("0 9 * * 1", "weekly_job"),
}
