{{ config(materialized='table') }}
-- Postmortem action items by owner, by team and by severity, as of var('as_of').
-- One long table instead of GROUPING SETS (which SQLite lacks): `dimension` says which
-- grouping a row belongs to ('owner' | 'team' | 'severity') and `value` is the group.
-- Every item is counted once per dimension. completion_rate = done / total, where total
-- includes items closed as wontfix.
WITH items AS (
    SELECT
        COALESCE(owner, '(unassigned)') AS owner,
        COALESCE(team, '(unassigned)') AS team,
        COALESCE(LOWER(severity), '(none)') AS severity,
        CASE WHEN LOWER(status) = 'done' THEN 1 ELSE 0 END AS is_done,
        CASE WHEN LOWER(status) IN ('done', 'wontfix') THEN 0 ELSE 1 END AS is_open,
        -- overdue: still open and due strictly before the as-of day (due today is not late)
        CASE
            WHEN LOWER(status) NOT IN ('done', 'wontfix')
                AND due_date < {{ date_literal(var('as_of')) }}
                THEN 1
            ELSE 0
        END AS is_overdue
    FROM {{ ref('action_items') }}
),

by_dimension AS (
    SELECT 'owner' AS dimension, owner AS value, is_done, is_open, is_overdue FROM items
    UNION ALL
    SELECT 'team' AS dimension, team AS value, is_done, is_open, is_overdue FROM items
    UNION ALL
    SELECT 'severity' AS dimension, severity AS value, is_done, is_open, is_overdue FROM items
)

SELECT
    dimension,
    value,
    COUNT(*) AS total,
    SUM(is_done) AS done,
    SUM(is_open) AS open,
    SUM(is_overdue) AS overdue,
    -- DOUBLE PRECISION: integer division on both engines otherwise (and NUMERIC for 1.0 * x)
    CAST(SUM(is_done) AS DOUBLE PRECISION) / COUNT(*) AS completion_rate
FROM by_dimension
GROUP BY dimension, value
