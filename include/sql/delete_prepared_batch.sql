-- A batch prepared again (a retried task) replaces the one prepared before.
delete from prepared_batches where run_id = :run_id and batch = :batch
