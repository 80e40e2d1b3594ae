-- One row: the given snapshot version of the bound period.
select snapshot_id, period, version, taken_at, fingerprint, input_digest, threshold
from snapshots
where period = :period and version = :version
