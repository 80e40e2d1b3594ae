-- One row per file received (duplicates included), in receiving order, with the version (size,
-- modification time, ETag) its storage gave it just before its bytes were read.
insert into received_files (uri, sha256, size_bytes, modified_at, etag, received_at, outcome, duplicate_of,
                            run_id)
values (:uri, :sha256, :size_bytes, :modified_at, :etag, :received_at, :outcome, :duplicate_of, :run_id)
returning file_id
