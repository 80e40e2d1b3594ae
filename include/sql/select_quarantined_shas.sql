-- One row per given SHA-256 whose rejection is recorded in the quarantine table (committed).
select distinct received_files.sha256
from quarantine
inner join received_files on received_files.file_id = quarantine.file_id
where received_files.sha256 in :shas
