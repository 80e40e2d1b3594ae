-- The submissions already received for one unit and period: the next version number and the one in force.
with for_period as (
    select submission_id, submitted_at, received_at, in_force
    from submissions
    where unit_code = :unit_code and period = :period
),

final as (
    select
        (select count(*) from for_period) as received,
        current.submission_id,
        current.submitted_at
    from (select 1 as anchor) as one
    left join for_period as current on current.in_force = :in_force
)

select * from final
