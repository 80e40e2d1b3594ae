-- One row per unit and indicator of the given snapshot (of the bound unit only, when one is bound), by
-- indicator, then unit, CITY last.
select
    unit_code, indicator_code, actual, target, completion_rate, expected_rate, gap, status, stale,
    rank, forecast, baseline, source_month
from snapshot_rows
where snapshot_id = :snapshot_id and (cast(:unit_code as varchar(32)) is null or unit_code = :unit_code)
order by indicator_code, case when unit_code = :city then 1 else 0 end, unit_code
