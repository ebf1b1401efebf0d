{{ config(materialized='table') }}
-- Capacity per resource and week: the busiest moment, the worst state and the least headroom.
-- States are ranked ok < warn < scale < emergency; an unknown state ranks NULL and is ignored.
WITH ranked AS (
    SELECT
        resource,
        week_start,
        peak_utilisation,
        mean_utilisation,
        headroom,
        CASE LOWER(state)
            WHEN 'ok' THEN 0
            WHEN 'warn' THEN 1
            WHEN 'scale' THEN 2
            WHEN 'emergency' THEN 3
        END AS state_rank
    FROM {{ ref('capacity_status') }}
)

SELECT
    resource,
    week_start,
    COUNT(*) AS days,
    MAX(peak_utilisation) AS peak_utilisation,
    AVG(mean_utilisation) AS mean_utilisation,
    CASE MAX(state_rank)
        WHEN 0 THEN 'ok'
        WHEN 1 THEN 'warn'
        WHEN 2 THEN 'scale'
        WHEN 3 THEN 'emergency'
    END AS worst_state,
    MIN(headroom) AS min_headroom
FROM ranked
GROUP BY resource, week_start
