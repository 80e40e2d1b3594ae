-- One row per submission the given snapshot used: the sources of its figures and baselines, and every
-- in-force accepted submission of its period (the bound year and month).
insert into snapshot_inputs (snapshot_id, submission_id)

with figure_sources as (
    select source_submission_id as submission_id
    from snapshot_rows
    where snapshot_id = :snapshot_id and source_submission_id is not null
),

baseline_sources as (
    select baseline_submission_id as submission_id
    from snapshot_rows
    where snapshot_id = :snapshot_id and baseline_submission_id is not null
),

period_submissions as (
    select submission_id
    from submissions
    where status = :accepted and in_force = true and year = :year and month = :month
),

used as (
    select submission_id from figure_sources
    union
    select submission_id from baseline_sources
    union
    select submission_id from period_submissions
),

final as (
    select cast(:snapshot_id as integer) as snapshot_id, submission_id
    from used
)

select * from final
