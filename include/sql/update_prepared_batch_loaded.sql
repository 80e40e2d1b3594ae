-- Written in the transaction that loads the batch: its result kept, its files let go.
update prepared_batches set payload = null, result = :result where run_id = :run_id and batch = :batch
