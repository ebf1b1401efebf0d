{{ config(materialized='table') }}
-- One row per SLO and week (week_start = Monday): where the SLO stood at the end of the week,
-- how bad it got during the week, and the change since the previous week.
WITH days AS (
    SELECT
        st.*,
        -- 1 = the last day of the week that has a status row ("week end")
        ROW_NUMBER() OVER (PARTITION BY st.slo, st.week_start ORDER BY st.day DESC) AS from_end
    FROM {{ ref('stg_slo_status') }} AS st
),

weeks AS (
    SELECT
        slo,
        week_start,
        MAX(service) AS service,
        MAX(slo_name) AS slo_name,
        MAX(owner) AS owner,
        MAX(team) AS team,
        MAX(CASE WHEN from_end = 1 THEN day END) AS last_day,
        COUNT(*) AS days,
        -- attainment and budget are period-to-date figures, so the week-end value is the one
        -- that counts; an average over the week would mix different periods' states
        MAX(CASE WHEN from_end = 1 THEN objective END) AS objective,
        MAX(CASE WHEN from_end = 1 THEN attainment END) AS attainment,
        MAX(CASE WHEN from_end = 1 THEN budget_remaining END) AS budget_remaining,
        MAX(CASE WHEN from_end = 1 THEN policy_tier END) AS policy_tier,
        MIN(budget_remaining) AS min_budget_remaining,
        SUM(CASE WHEN escalation = 'page' THEN 1 ELSE 0 END) AS page_days,
        SUM(CASE WHEN escalation = 'ticket' THEN 1 ELSE 0 END) AS ticket_days,
        AVG(coverage) AS mean_coverage
    FROM days
    GROUP BY slo, week_start
)

-- The previous week is the calendar week before (a self-join on week_start - 7 days), not
-- merely the previous row: after a gap in the data there is no previous week to compare with.
SELECT
    w.slo,
    w.service,
    w.slo_name,
    w.owner,
    w.team,
    w.week_start,
    w.last_day,
    w.days,
    w.objective,
    w.attainment,
    w.budget_remaining,
    w.policy_tier,
    w.min_budget_remaining,
    w.page_days,
    w.ticket_days,
    w.mean_coverage,
    p.attainment AS prev_attainment,
    p.budget_remaining AS prev_budget_remaining,
    w.attainment - p.attainment AS attainment_delta,
    w.budget_remaining - p.budget_remaining AS budget_remaining_delta
FROM weeks AS w
LEFT JOIN weeks AS p
    ON p.slo = w.slo AND p.week_start = {{ add_days('w.week_start', -7) }}
