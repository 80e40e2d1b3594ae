-- One row per file the bound Airflow run received and per submission read from it (a file without
-- submissions, such as a duplicate or a target file, once), with its quarantine, in receiving order.
with run_files as (
    select file_id, uri, received_at, outcome, duplicate_of
    from received_files
    where run_id = :run_id
),

final as (
    select
        run_files.file_id,
        run_files.uri,
        run_files.received_at,
        run_files.outcome,
        run_files.duplicate_of,
        submissions.submission_id,
        submissions.unit_code,
        submissions.period,
        submissions.version,
        submissions.status,
        submissions.in_force,
        submissions.errors,
        quarantine.file_id is not null as quarantined,
        quarantine.feedback_path is not null as has_feedback
    from run_files
    left join submissions on submissions.file_id = run_files.file_id
    left join quarantine on quarantine.file_id = run_files.file_id
)

select * from final
order by file_id, submission_id
