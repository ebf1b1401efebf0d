{{ config(materialized='table') }}
-- Action items created and completed per week (Mondays in the configured zone, stored with
-- each item), and how many were still open at the end of each week: the completion trend.
-- A week appears once an item was created or completed in it.
WITH weeks AS (
    SELECT created_week AS week_start FROM {{ ref('stg_action_items') }}
    WHERE created_week IS NOT NULL
    UNION
    SELECT completed_week AS week_start FROM {{ ref('stg_action_items') }}
    WHERE completed_week IS NOT NULL
)

SELECT
    w.week_start,
    SUM(CASE WHEN a.created_week = w.week_start THEN 1 ELSE 0 END) AS created,
    SUM(CASE WHEN a.completed_week = w.week_start THEN 1 ELSE 0 END) AS completed,
    -- open at the week's end: created by then, and not completed by then (an item closed
    -- without a completion date, such as wontfix, no longer counts once it is closed)
    SUM(
        CASE
            WHEN a.created_week <= w.week_start
                AND (a.completed_week IS NULL OR a.completed_week > w.week_start)
                AND NOT (LOWER(a.status) IN ('done', 'wontfix') AND a.completed_week IS NULL)
                THEN 1
            ELSE 0
        END
    ) AS open_at_week_end
FROM weeks AS w
CROSS JOIN {{ ref('stg_action_items') }} AS a
GROUP BY w.week_start
