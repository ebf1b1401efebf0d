{{ config(materialized='table') }}
-- Alerts against incidents per week: burn-rate alert episodes that started in the week, how
-- many overlap a declared incident of their service and how many none (is a postmortem
-- missing?), and the week's incidents that no alert caught before people detected them
-- (detection gaps).
WITH episodes AS (
    SELECT
        week_start,
        slo,
        long_window,
        short_window,
        episode_start,
        MAX(severity) AS severity,
        MAX(CASE WHEN incident_id IS NOT NULL THEN 1 ELSE 0 END) AS linked
    FROM {{ ref('alert_incident_links') }}
    GROUP BY week_start, slo, long_window, short_window, episode_start
),

by_week AS (
    SELECT
        week_start,
        COUNT(*) AS episodes,
        SUM(linked) AS linked_episodes,
        SUM(1 - linked) AS unexplained_episodes,
        SUM(CASE WHEN linked = 0 AND severity = 'page' THEN 1 ELSE 0 END) AS unexplained_pages
    FROM episodes
    GROUP BY week_start
),

detection AS (
    SELECT
        week_start,
        COUNT(*) AS incidents,
        SUM(CASE WHEN detection_gap THEN 1 ELSE 0 END) AS detection_gaps,
        AVG(alert_lead_minutes) AS mean_alert_lead_minutes
    FROM {{ ref('incident_detection') }}
    GROUP BY week_start
),

weeks AS (
    SELECT week_start FROM by_week
    UNION
    SELECT week_start FROM detection
)

SELECT
    w.week_start,
    COALESCE(e.episodes, 0) AS episodes,
    COALESCE(e.linked_episodes, 0) AS linked_episodes,
    COALESCE(e.unexplained_episodes, 0) AS unexplained_episodes,
    COALESCE(e.unexplained_pages, 0) AS unexplained_pages,
    COALESCE(d.incidents, 0) AS incidents,
    COALESCE(d.detection_gaps, 0) AS detection_gaps,
    d.mean_alert_lead_minutes
FROM weeks AS w
LEFT JOIN by_week AS e ON w.week_start = e.week_start
LEFT JOIN detection AS d ON w.week_start = d.week_start
