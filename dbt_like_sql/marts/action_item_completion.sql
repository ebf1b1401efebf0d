{{ config(materialized='table') }}
-- Postmortem action items by owner, team, severity and priority, as of var('as_of').
-- One long table instead of GROUPING SETS (which SQLite lacks): `dimension` says which
-- grouping a row belongs to ('owner' | 'team' | 'severity' | 'priority') and `value` is the
-- group. Every item is counted once per dimension. completion_rate = done / total, where
-- total includes items closed as wontfix. Ages are whole days: an open item's since it was
-- created, up to as_of; a done item's from creation to completion.
WITH items AS (
    SELECT
        COALESCE(owner, '(unassigned)') AS owner,
        COALESCE(team, '(unassigned)') AS team,
        COALESCE(LOWER(severity), '(none)') AS severity,
        COALESCE(priority, '(none)') AS priority,
        CASE WHEN LOWER(status) = 'done' THEN 1 ELSE 0 END AS is_done,
        CASE WHEN LOWER(status) IN ('done', 'wontfix') THEN 0 ELSE 1 END AS is_open,
        -- overdue: still open and due strictly before the as-of day (due today is not late)
        CASE
            WHEN LOWER(status) NOT IN ('done', 'wontfix')
                AND due_date < {{ date_literal(var('as_of')) }}
                THEN 1
            ELSE 0
        END AS is_overdue,
        CASE
            WHEN LOWER(status) NOT IN ('done', 'wontfix')
                THEN {{ days_between('created_at', date_literal(var('as_of'))) }}
        END AS open_age_days,
        CASE
            WHEN LOWER(status) = 'done'
                THEN {{ days_between('created_at', 'completed_at') }}
        END AS days_to_complete
    FROM {{ ref('stg_action_items') }}
),

by_dimension AS (
    SELECT 'owner' AS dimension, owner AS value, items.* FROM items
    UNION ALL
    SELECT 'team' AS dimension, team AS value, items.* FROM items
    UNION ALL
    SELECT 'severity' AS dimension, severity AS value, items.* FROM items
    UNION ALL
    SELECT 'priority' AS dimension, priority AS value, items.* FROM items
)

SELECT
    dimension,
    value,
    COUNT(*) AS total,
    SUM(is_done) AS done,
    SUM(is_open) AS open,
    SUM(is_overdue) AS overdue,
    -- DOUBLE PRECISION: integer division on both engines otherwise (and NUMERIC for 1.0 * x)
    CAST(SUM(is_done) AS DOUBLE PRECISION) / COUNT(*) AS completion_rate,
    CAST(AVG(open_age_days) AS DOUBLE PRECISION) AS mean_open_age_days,
    MAX(open_age_days) AS oldest_open_days,
    CAST(AVG(days_to_complete) AS DOUBLE PRECISION) AS mean_days_to_complete
FROM by_dimension
GROUP BY dimension, value
