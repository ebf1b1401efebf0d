{{ config(materialized='table') }}
-- P0 action items still open past their due date as of var('as_of'), by name: the list a
-- weekly review reads out. days_overdue counts from the due date (due yesterday = 1).
SELECT
    a.item_id,
    a.title,
    COALESCE(a.owner, '(unassigned)') AS owner,
    COALESCE(a.team, '(unassigned)') AS team,
    a.incident_id,
    i.title AS incident_title,
    a.due_date,
    {{ days_between('a.due_date', date_literal(var('as_of'))) }} AS days_overdue,
    a.status,
    a.tracker_ref
FROM {{ ref('stg_action_items') }} AS a
LEFT JOIN {{ ref('incidents') }} AS i ON a.incident_id = i.incident_id
WHERE a.priority = 'P0'
    AND LOWER(a.status) NOT IN ('done', 'wontfix')
    AND a.due_date < {{ date_literal(var('as_of')) }}
