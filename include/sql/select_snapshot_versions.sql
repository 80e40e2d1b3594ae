-- One row per snapshot version of the bound period, newest first.
select snapshot_id, period, version, taken_at, fingerprint, input_digest, threshold
from snapshots
where period = :period
order by version desc
