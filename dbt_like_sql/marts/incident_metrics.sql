{{ config(materialized='table') }}
-- Incidents per week (of their start) and severity.
--   MTTD: started -> detected, MTTA: detected -> acknowledged, MTTR: started -> resolved,
--   all in minutes; AVG skips incidents that lack either timestamp.
--   A postmortem is on time when published within 48 h of resolution; the share is taken over
--   resolved incidents (an unresolved incident cannot be late yet), NULL when none resolved.
WITH timed AS (
    SELECT
        week_start,
        LOWER(severity) AS severity,
        {{ minutes_between('started_at', 'detected_at') }} AS minutes_to_detect,
        {{ minutes_between('detected_at', 'acknowledged_at') }} AS minutes_to_acknowledge,
        {{ minutes_between('started_at', 'resolved_at') }} AS minutes_to_resolve,
        CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END AS is_resolved,
        CASE
            WHEN {{ minutes_between('resolved_at', 'postmortem_published_at') }} <= 48 * 60
                THEN 1
            ELSE 0
        END AS postmortem_on_time
    FROM {{ ref('incidents') }}
)

SELECT
    week_start,
    severity,
    COUNT(*) AS incidents,
    SUM(is_resolved) AS resolved,
    AVG(minutes_to_detect) AS mttd_minutes,
    AVG(minutes_to_acknowledge) AS mtta_minutes,
    AVG(minutes_to_resolve) AS mttr_minutes,
    SUM(postmortem_on_time) AS postmortems_on_time,
    CASE
        WHEN SUM(is_resolved) > 0
            THEN CAST(SUM(postmortem_on_time) AS DOUBLE PRECISION) / SUM(is_resolved)
    END AS postmortem_on_time_share
FROM timed
GROUP BY week_start, severity
