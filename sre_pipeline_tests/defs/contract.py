"""What the code location promises: asset groups, daily partitions, schedules (shared by
the definitions test and the UI test)."""

ASSET_GROUPS = {
    "slo_catalog": "slo",
    "sli_events": "slo",
    "slo_status": "slo",
    "burn_alerts": "slo",
    "capacity_samples": "capacity",
    "stg_slo_status": "models",
    "weekly_slo_summary": "models",
    "action_item_completion": "models",
    "incident_metrics": "models",
    "capacity_weekly": "models",
}
LOCATION = "sre_pipeline.definitions"
DAILY = {"sli_events", "slo_status", "burn_alerts", "capacity_samples"}
SCHEDULES = {
    "collection_schedule": ("5 * * * *", "collection_job"),
    "status_schedule": ("30 0 * * *", "status_job"),
    "weekly_schedule": ("0 9 * * 1", "weekly_job"),
}
