-- One row per snapshot version, the latest period first and, within a period, the latest version first.
select snapshot_id, period, version, taken_at, threshold
from snapshots
order by period desc, version desc
