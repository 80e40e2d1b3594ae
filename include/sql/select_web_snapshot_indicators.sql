-- One row per indicator of the bound snapshot version: the CITY row's status and gap, and how many units
-- (CITY aside) have each status.
with unit_counts as (
    select
        indicator_code,
        sum(case when status = :achieved then 1 else 0 end) as achieved,
        sum(case when status = :on_track then 1 else 0 end) as on_track,
        sum(case when status = :behind then 1 else 0 end) as behind,
        sum(case when status = :lagging then 1 else 0 end) as lagging,
        sum(case when status = :no_data then 1 else 0 end) as no_data,
        sum(case when status = :no_target then 1 else 0 end) as no_target
    from snapshot_rows
    where snapshot_id = :snapshot_id and unit_code <> :city
    group by indicator_code
),

city as (
    select indicator_code, status, completion_rate, expected_rate, gap
    from snapshot_rows
    where snapshot_id = :snapshot_id and unit_code = :city
),

final as (
    select
        city.indicator_code,
        city.status as city_status,
        city.completion_rate as city_completion_rate,
        city.expected_rate as city_expected_rate,
        city.gap as city_gap,
        coalesce(unit_counts.achieved, 0) as achieved,
        coalesce(unit_counts.on_track, 0) as on_track,
        coalesce(unit_counts.behind, 0) as behind,
        coalesce(unit_counts.lagging, 0) as lagging,
        coalesce(unit_counts.no_data, 0) as no_data,
        coalesce(unit_counts.no_target, 0) as no_target
    from city
    left join unit_counts on unit_counts.indicator_code = city.indicator_code
)

select * from final
order by indicator_code
