{{ config(materialized='view') }}
-- Daily SLO status with the catalog's service, owner and team.
-- A LEFT JOIN keeps status rows of SLOs since removed from the catalog (service is NULL then):
-- history must not vanish from the review because a spec file was deleted.
SELECT
    s.slo,
    c.service,
    c.name AS slo_name,
    c.owner,
    c.team,
    s.day,
    s.week_start,
    s.objective,
    s.period,
    s.attainment,
    s.budget_remaining,
    s.time_to_exhaustion_hours,
    -- normalised so the marts can compare with plain literals
    LOWER(TRIM(s.escalation)) AS escalation,
    s.policy_tier,
    s.coverage,
    s.events_total,
    s.events_bad,
    s.aspirational
FROM {{ ref('slo_status') }} AS s
LEFT JOIN {{ ref('slo_catalog') }} AS c ON c.slo = s.slo
