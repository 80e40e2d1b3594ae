-- One row per snapshot version the bound Airflow run took or found unchanged, by period and version.
select snapshots.snapshot_id, snapshots.period, snapshots.version, snapshots.taken_at, snapshots.threshold
from run_snapshots
inner join snapshots on snapshots.snapshot_id = run_snapshots.snapshot_id
where run_snapshots.run_id = :run_id
order by snapshots.period, snapshots.version
