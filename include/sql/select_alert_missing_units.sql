-- One row per catalog unit with no accepted submission for the period.
with accepted as (
    select distinct unit_code
    from submissions
    where period = :period and status = :accepted
),

final as (
    select u.unit_code, u.name_zh as unit_name, u.contact_email
    from units as u
    left join accepted as a on a.unit_code = u.unit_code
    where a.unit_code is null
)

select * from final
order by unit_code
