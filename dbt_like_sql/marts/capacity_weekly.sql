{{ config(materialized='table') }}
-- Capacity per resource and week: the busiest moment, the worst state, the least headroom
-- (capacity over peak demand, so the lowest multiple is the tightest day) against the target,
-- and the forecast of the scale and emergency thresholds as of the week's last day with data.
-- States are ranked ok < warn < scale < emergency; an unknown state ranks NULL and is ignored.
WITH ranked AS (
    SELECT
        resource,
        week_start,
        day,
        peak_utilisation,
        mean_utilisation,
        headroom,
        headroom_target,
        headroom_ok,
        state,
        scale_status,
        scale_on,
        scale_earliest,
        scale_latest,
        emergency_status,
        emergency_on,
        CASE LOWER(state)
            WHEN 'ok' THEN 0
            WHEN 'warn' THEN 1
            WHEN 'scale' THEN 2
            WHEN 'emergency' THEN 3
        END AS state_rank,
        ROW_NUMBER() OVER (
            PARTITION BY resource, week_start
            ORDER BY CASE WHEN state IS NULL THEN 1 ELSE 0 END, day DESC
        ) AS newest
    FROM {{ ref('capacity_status') }}
),

weekly AS (
    SELECT
        resource,
        week_start,
        COUNT(*) AS days,
        COUNT(peak_utilisation) AS days_with_data,
        MAX(peak_utilisation) AS peak_utilisation,
        AVG(mean_utilisation) AS mean_utilisation,
        CASE MAX(state_rank)
            WHEN 0 THEN 'ok'
            WHEN 1 THEN 'warn'
            WHEN 2 THEN 'scale'
            WHEN 3 THEN 'emergency'
        END AS worst_state,
        MIN(headroom) AS min_headroom,
        MAX(headroom_target) AS headroom_target,
        SUM(CASE WHEN headroom_ok = FALSE THEN 1 ELSE 0 END) AS days_below_headroom_target
    FROM ranked
    GROUP BY resource, week_start
)

SELECT
    w.resource,
    w.week_start,
    w.days,
    w.days_with_data,
    w.peak_utilisation,
    w.mean_utilisation,
    w.worst_state,
    w.min_headroom,
    w.headroom_target,
    w.days_below_headroom_target,
    n.day AS last_day,
    n.state AS last_state,
    n.scale_status,
    n.scale_on,
    n.scale_earliest,
    n.scale_latest,
    n.emergency_status,
    n.emergency_on
FROM weekly AS w
INNER JOIN ranked AS n
    ON n.resource = w.resource AND n.week_start = w.week_start AND n.newest = 1
