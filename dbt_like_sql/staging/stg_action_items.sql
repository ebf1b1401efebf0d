{{ config(materialized='view') }}
-- Postmortem action items as their tickets say: an item closed in its tracker by a person
-- (action_item_tracking, read back by the last ticket step) counts as done, completed when the
-- ticket was closed, even while the postmortem still says open. The tracker is where the work
-- is tracked; the review lists each such disagreement. action_item_tracking is the previous
-- ticket step's read-back (the ticket step runs after the review), so it is not a dependency.
SELECT
    a.item_id,
    a.incident_id,
    a.title,
    a.owner,
    a.team,
    a.severity,
    CASE WHEN t.item_id IS NOT NULL THEN 'done' ELSE a.status END AS status,
    a.created_at,
    a.due_date,
    CASE WHEN t.item_id IS NOT NULL THEN t.closed_at ELSE a.completed_at END AS completed_at,
    a.tracker_ref,
    a.priority,
    a.created_week,
    CASE WHEN t.item_id IS NOT NULL THEN t.closed_week ELSE a.completed_week END
        AS completed_week,
    a.status AS postmortem_status,
    t.tracker AS closed_in_tracker,
    t.tracker_id AS closed_in_ticket
FROM {{ ref('action_items') }} AS a
LEFT JOIN {{ ref('action_item_tracking') }} AS t
    ON a.item_id = t.item_id
    AND t.state = 'closed'
    AND t.closed_by IN ('tracker', 'tracker-cleared')
    AND LOWER(a.status) NOT IN ('done', 'wontfix')
