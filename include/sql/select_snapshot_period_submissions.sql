-- One row per catalog unit: its in-force accepted submission for the bound year and month, null if none.
with period_submissions as (
    select unit_code, submission_id
    from submissions
    where status = 'accepted' and in_force = true and year = :year and month = :month
),

final as (
    select units.unit_code, period_submissions.submission_id
    from units
    left join period_submissions on period_submissions.unit_code = units.unit_code
)

select * from final
order by unit_code
