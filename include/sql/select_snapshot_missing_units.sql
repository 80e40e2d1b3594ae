-- One row per unit missing from the given snapshot's period.
select unit_code
from snapshot_missing_units
where snapshot_id = :snapshot_id
order by unit_code
