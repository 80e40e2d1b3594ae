-- One row per unit and period already received among those asked: how many submissions it has had
-- (the next version is one more) and which accepted one is in force.
-- result types: in_force_submitted_at datetime
with received as (
    select unit_code, period, submission_id, submitted_at, in_force
    from submissions
    where unit_code in :unit_codes and period in :periods
),

final as (
    select
        unit_code,
        period,
        count(*) as received,
        max(case when in_force then submission_id end) as in_force_id,
        max(case when in_force then submitted_at end) as in_force_submitted_at
    from received
    group by unit_code, period
)

select * from final
