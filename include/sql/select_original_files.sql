-- One row per SHA-256 already received: the first non-duplicate file that had those bytes.
select sha256, min(file_id) as file_id
from received_files
where sha256 in :shas and duplicate_of is null
group by sha256
