-- One row (or none): the latest snapshot version of a period.
select snapshot_id, period, version, taken_at
from snapshots
where period = :period
order by version desc
limit 1
