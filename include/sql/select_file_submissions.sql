-- One row per submission read from a received file, in reading order.
select unit_code, period, status
from submissions
where file_id = :file_id
order by submission_id
