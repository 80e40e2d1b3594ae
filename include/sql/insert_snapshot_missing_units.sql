-- One row per catalog unit with no in-force accepted submission for the snapshot's period itself
-- (the bound year and month), stored under the given snapshot id.
insert into snapshot_missing_units (snapshot_id, unit_code)

with period_submissions as (
    select unit_code
    from submissions
    where status = :accepted and in_force = true and year = :year and month = :month
),

final as (
    select cast(:snapshot_id as integer) as snapshot_id, units.unit_code
    from units
    where not exists (
        select 1 from period_submissions where period_submissions.unit_code = units.unit_code
    )
)

select * from final
