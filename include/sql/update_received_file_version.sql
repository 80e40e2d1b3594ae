-- One row (the unique uri and sha256): a location's file, read again at another version (touched,
-- copied again) and found with bytes already received there, is now at this version.
update received_files
set modified_at = :modified_at,
    etag = :etag
where uri = :uri and sha256 = :sha256
