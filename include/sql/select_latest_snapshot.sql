-- One row: the latest snapshot version of the bound period.
select snapshot_id, period, version, taken_at, fingerprint, input_digest, threshold
from snapshots
where period = :period
order by version desc
limit 1
