-- One row per rejected (or partly rejected) file: where its original bytes, report and feedback are kept.
insert into quarantine (file_id, stored_path, report_path, feedback_path, created_at)
values (:file_id, :stored_path, :report_path, :feedback_path, :created_at)
