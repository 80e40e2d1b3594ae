-- One row per unit and indicator of one snapshot, with the names and contact an alert shows.
with snapshot_row as (
    select
        unit_code, indicator_code, actual, target, completion_rate, expected_rate, gap,
        status, rank, forecast
    from snapshot_rows
    where snapshot_id = :snapshot_id
),

final as (
    select
        r.unit_code,
        u.name_zh as unit_name,
        u.contact_email,
        r.indicator_code,
        i.name_zh as indicator_name,
        i.measure_unit,
        r.actual,
        r.target,
        r.completion_rate,
        r.expected_rate,
        r.gap,
        r.status,
        r.rank,
        r.forecast
    from snapshot_row as r
    left join units as u on u.unit_code = r.unit_code
    left join indicators as i on i.indicator_code = r.indicator_code
)

select * from final
order by unit_code, indicator_code
