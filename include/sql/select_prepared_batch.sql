-- What a run's batch holds: the prepared files until it is loaded, then what loading it gave.
-- result types: payload bytes, result json
select payload, result from prepared_batches where run_id = :run_id and batch = :batch
