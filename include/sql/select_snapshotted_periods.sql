-- One row per given period that already has a snapshot: its latest version and when that was taken
-- (late_submission).
select period, max(version) as version, max(taken_at) as taken_at
from snapshots
where period in :periods
group by period
