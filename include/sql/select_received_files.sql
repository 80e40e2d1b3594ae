-- One row per file received under a location (its uri begins with the prefix given): the bytes each
-- location was received with and the version (size, modification time, ETag) its file was at then,
-- what a poll compares its listing with.
-- result types: modified_at datetime
select uri, sha256, size_bytes, modified_at, etag
from received_files
where substr(uri, 1, :prefix_length) = :prefix
