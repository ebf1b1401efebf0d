{{ config(materialized='table') }}
-- The week's incident totals, one row per week (of the incidents' start): incidents declared,
-- those with a known cost, their bad events, budget points (each hit SLO's share of its
-- budget, summed) and downtime minutes (each incident's longest), incidents that need a
-- postmortem with a P0 item, and the budget the SLOs spent outside any incident.
WITH declared AS (
    SELECT week_start, COUNT(*) AS incidents
    FROM {{ ref('incidents') }}
    GROUP BY week_start
),

costs AS (
    SELECT
        week_start,
        COUNT(*) AS attributed,
        SUM(bad_events) AS bad_events,
        SUM(budget_points) AS budget_points,
        SUM(downtime_minutes) AS downtime_minutes,
        SUM(needs_p0_postmortem) AS needs_p0_postmortem
    FROM {{ ref('incident_costs') }}
    GROUP BY week_start
),

outside AS (
    SELECT
        week_start,
        SUM(outside_bad_events) AS outside_bad_events,
        SUM(outside_share) AS outside_budget_points
    FROM {{ ref('budget_outside_incidents') }}
    GROUP BY week_start
),

weeks AS (
    SELECT week_start FROM declared
    UNION
    SELECT week_start FROM costs
    UNION
    SELECT week_start FROM outside
)

SELECT
    w.week_start,
    COALESCE(d.incidents, 0) AS incidents,
    COALESCE(c.attributed, 0) AS attributed,
    c.bad_events,
    c.budget_points,
    c.downtime_minutes,
    COALESCE(c.needs_p0_postmortem, 0) AS needs_p0_postmortem,
    o.outside_bad_events,
    o.outside_budget_points
FROM weeks AS w
LEFT JOIN declared AS d ON w.week_start = d.week_start
LEFT JOIN costs AS c ON w.week_start = c.week_start
LEFT JOIN outside AS o ON w.week_start = o.week_start
