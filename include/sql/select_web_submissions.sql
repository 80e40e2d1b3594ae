-- One row per submission of a period between the bound first and last periods (of the bound unit only,
-- when one is bound), any status, with the file it was read from and that file's quarantine: by period,
-- unit and receiving order.
with chosen as (
    select
        submission_id, file_id, unit_code, period, version, status, in_force, submitted_at, received_at,
        errors, warnings
    from submissions
    where
        period >= :first_period and period <= :last_period
        and (cast(:unit_code as varchar(32)) is null or unit_code = :unit_code)
),

final as (
    select
        chosen.submission_id,
        chosen.file_id,
        chosen.unit_code,
        chosen.period,
        chosen.version,
        chosen.status,
        chosen.in_force,
        chosen.submitted_at,
        chosen.received_at,
        chosen.errors,
        chosen.warnings,
        received_files.uri,
        received_files.run_id,
        quarantine.file_id is not null as quarantined,
        quarantine.feedback_path is not null as has_feedback
    from chosen
    inner join received_files on received_files.file_id = chosen.file_id
    left join quarantine on quarantine.file_id = chosen.file_id
)

select * from final
order by period, unit_code, received_at, submission_id
