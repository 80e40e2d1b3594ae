-- One row per Airflow run and snapshot version it took or found unchanged.
insert into run_snapshots (run_id, snapshot_id)
values (:run_id, :snapshot_id)
on conflict (run_id, snapshot_id) do nothing
