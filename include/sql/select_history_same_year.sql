-- One row per in-force accepted submission and reported indicator, for the given units and years:
-- the year-to-date figures a new month of the same year is checked against (cumulative_decrease).
with in_force as (
    select submission_id, unit_code, period, year, month
    from submissions
    where status = :accepted
        and in_force
        and unit_code in :unit_codes
        and year in :years
),

final as (
    select
        in_force.unit_code,
        in_force.year,
        in_force.month,
        in_force.period,
        reported_values.indicator_code,
        reported_values.value,
        reported_values.numerator,
        reported_values.denominator
    from in_force
    inner join reported_values on reported_values.submission_id = in_force.submission_id
)

select * from final
