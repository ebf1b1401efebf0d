{{ config(materialized='table') }}
-- What each incident cost, one row per incident (from incident_budget, weekly by the week the
-- incident started): its worst-hit SLO and that SLO's budget share, bad events over all its
-- SLOs, the longest equivalent full downtime, and rank in its week by budget share.
-- needs_p0_postmortem applies the workbook rule: more than 20 % of a 4-week budget of any
-- SLO and no published (final) postmortem with at least one P0 action item
-- (sre_pipeline.incidents.budget.needs_p0 is the same rule in Python).
WITH worst AS (
    SELECT
        incident_id,
        week_start,
        slo,
        service,
        budget_share,
        four_week_share,
        span_coverage,
        ROW_NUMBER() OVER (
            PARTITION BY incident_id
            ORDER BY CASE WHEN budget_share IS NULL THEN 1 ELSE 0 END, budget_share DESC, slo
        ) AS n
    FROM {{ ref('incident_budget') }}
),

totals AS (
    SELECT
        incident_id,
        COUNT(*) AS slos,
        SUM(bad_events) AS bad_events,
        MAX(downtime_minutes) AS downtime_minutes,
        MAX(four_week_share) AS four_week_share,
        SUM(budget_share) AS budget_points,
        MIN(span_coverage) AS span_coverage
    FROM {{ ref('incident_budget') }}
    GROUP BY incident_id
),

p0 AS (
    SELECT
        incident_id,
        COUNT(*) AS p0_items
    FROM {{ ref('stg_action_items') }}
    WHERE priority = 'P0'
    GROUP BY incident_id
)

SELECT
    w.week_start,
    w.incident_id,
    i.title,
    i.severity,
    i.cause,
    i.postmortem_status,
    w.slo AS worst_slo,
    w.budget_share AS worst_budget_share,
    t.four_week_share AS worst_four_week_share,
    t.slos,
    t.bad_events,
    t.budget_points,
    t.downtime_minutes,
    t.span_coverage,
    COALESCE(p0.p0_items, 0) AS p0_items,
    CASE
        WHEN t.four_week_share > 0.20
            AND NOT (
                (i.postmortem_status = 'final' OR i.postmortem_published_at IS NOT NULL)
                AND COALESCE(p0.p0_items, 0) > 0
            )
            THEN 1
        ELSE 0
    END AS needs_p0_postmortem,
    ROW_NUMBER() OVER (
        PARTITION BY w.week_start
        ORDER BY CASE WHEN w.budget_share IS NULL THEN 1 ELSE 0 END, w.budget_share DESC,
            w.incident_id
    ) AS rank_in_week
FROM worst AS w
INNER JOIN totals AS t ON w.incident_id = t.incident_id
INNER JOIN {{ ref('incidents') }} AS i ON w.incident_id = i.incident_id
LEFT JOIN p0 ON w.incident_id = p0.incident_id
WHERE w.n = 1
