-- One row per indicator the bound unit has in the bound snapshot version: its figures, its rank and how
-- many units were ranked on that indicator.
with ranked as (
    select indicator_code, count(*) as ranked
    from snapshot_rows
    where snapshot_id = :snapshot_id and rank is not null
    group by indicator_code
),

final as (
    select
        snapshot_rows.indicator_code,
        snapshot_rows.actual,
        snapshot_rows.target,
        snapshot_rows.completion_rate,
        snapshot_rows.expected_rate,
        snapshot_rows.gap,
        snapshot_rows.status,
        snapshot_rows.stale,
        snapshot_rows.rank,
        snapshot_rows.forecast,
        coalesce(ranked.ranked, 0) as ranked
    from snapshot_rows
    left join ranked on ranked.indicator_code = snapshot_rows.indicator_code
    where snapshot_rows.snapshot_id = :snapshot_id and snapshot_rows.unit_code = :unit_code
)

select * from final
order by indicator_code
