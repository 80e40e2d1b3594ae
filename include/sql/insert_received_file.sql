-- One row per file received (duplicates included), in receiving order.
insert into received_files (uri, sha256, size_bytes, received_at, outcome, duplicate_of, run_id)
values (:uri, :sha256, :size_bytes, :received_at, :outcome, :duplicate_of, :run_id)
returning file_id
