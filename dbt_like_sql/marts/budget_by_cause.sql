{{ config(materialized='table') }}
-- Error budget consumed per week and cause category. budget_points adds up, over the
-- incidents and the SLOs they hit, each SLO's share of its period budget (0.25 = a quarter of
-- one SLO's budget): the measure that compares causes. The cause '(outside incidents)' is the
-- budget the SLOs spent while no incident of their service was declared (slow burns).
SELECT
    b.week_start,
    b.cause,
    COUNT(DISTINCT b.incident_id) AS incidents,
    COUNT(*) AS slo_impacts,
    SUM(b.bad_events) AS bad_events,
    SUM(b.budget_share) AS budget_points,
    SUM(b.downtime_minutes) AS downtime_minutes
FROM {{ ref('incident_budget') }} AS b
GROUP BY b.week_start, b.cause

UNION ALL

SELECT
    o.week_start,
    '(outside incidents)' AS cause,
    0 AS incidents,
    SUM(CASE WHEN o.outside_bad_events > 0 THEN 1 ELSE 0 END) AS slo_impacts,
    SUM(o.outside_bad_events) AS bad_events,
    SUM(o.outside_share) AS budget_points,
    NULL AS downtime_minutes
FROM {{ ref('budget_outside_incidents') }} AS o
GROUP BY o.week_start
