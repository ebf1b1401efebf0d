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
    "stg_slo_status": "models",
    "weekly_slo_summary": "models",
    "action_item_completion": "models",
    "incident_metrics": "models",
    "capacity_weekly": "models",
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
}
SCHEDULES = {
    "collection_schedule": ("5 * * * *", "collection_job"),
    "status_schedule": ("30 0 * * *", "status_job"),
    "weekly_schedule": ("0 9 * * 1", "weekly_job"),
}
