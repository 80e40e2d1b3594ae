-- One row per unit and indicator of the bound snapshot version (of the bound unit only, when one is bound),
-- with the figures of contract §5 in its order: CITY first, then by unit and indicator.
select
    unit_code, indicator_code, actual, target, completion_rate, expected_rate, gap, status, stale, rank,
    forecast
from snapshot_rows
where snapshot_id = :snapshot_id and (cast(:unit_code as varchar(32)) is null or unit_code = :unit_code)
order by case when unit_code = 'CITY' then 0 else 1 end, unit_code, indicator_code
