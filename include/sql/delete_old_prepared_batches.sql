-- Batches of runs long ended (prepared and never loaded, or loaded and answered).
delete from prepared_batches where prepared_at < :before
