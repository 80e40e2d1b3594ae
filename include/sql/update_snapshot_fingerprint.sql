-- One row: the fingerprint of the inputs of the given snapshot, set once its rows are stored.
update snapshots
set fingerprint = :fingerprint
where snapshot_id = :snapshot_id
