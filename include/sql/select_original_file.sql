-- The first non-duplicate file received with these bytes, if any.
select file_id
from received_files
where sha256 = :sha256 and duplicate_of is null
order by file_id
limit 1
