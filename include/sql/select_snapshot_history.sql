-- One row per month of the bound year that has a snapshot: the (unit, indicator) row of its latest version.
with latest_versions as (
    select period, max(version) as version
    from snapshots
    where period like :period_pattern
    group by period
),

final as (
    select
        snapshots.period,
        snapshot_rows.actual,
        snapshot_rows.target,
        snapshot_rows.completion_rate,
        snapshot_rows.expected_rate,
        snapshot_rows.gap,
        snapshot_rows.status
    from latest_versions
    inner join snapshots
        on snapshots.period = latest_versions.period and snapshots.version = latest_versions.version
    inner join snapshot_rows on snapshot_rows.snapshot_id = snapshots.snapshot_id
    where snapshot_rows.unit_code = :unit_code and snapshot_rows.indicator_code = :indicator_code
)

select * from final
order by period
