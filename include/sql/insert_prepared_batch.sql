-- A batch of a run, prepared (its files read, parsed and checked), kept until it is loaded in order.
-- parameter types: payload bytes
insert into prepared_batches (run_id, batch, payload, result, prepared_at)
values (:run_id, :batch, :payload, null, :prepared_at)
