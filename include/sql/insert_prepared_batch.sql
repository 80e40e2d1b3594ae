insert into prepared_batches (run_id, batch, payload, result, prepared_at)
values (:run_id, :batch, :payload, null, :prepared_at)
