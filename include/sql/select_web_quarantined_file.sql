-- One row: the quarantine of the rejected file of the bound id (its original and feedback workbook), if any.
select file_id, stored_path, report_path, feedback_path
from quarantine
where file_id = :file_id
