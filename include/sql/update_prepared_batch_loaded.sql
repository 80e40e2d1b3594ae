-- Written in the transaction that loads the batch: its result kept, its files let go.
-- parameter types: result json
update prepared_batches set payload = null, result = :result where run_id = :run_id and batch = :batch
