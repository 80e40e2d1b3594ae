-- One row per submission the given snapshot used.
select submission_id
from snapshot_inputs
where snapshot_id = :snapshot_id
order by submission_id
