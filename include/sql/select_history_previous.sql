-- One row per in-force accepted submission before the given period of the given units and per stock indicator it
-- reported (one row with a null indicator when it reported none): the previous month a stock is compared with
-- (large_change).
with in_force as (
    select submission_id, unit_code, period
    from submissions
    where status = :accepted
        and in_force
        and unit_code in :unit_codes
        and period < :before
),

stock_values as (
    select reported_values.submission_id, reported_values.indicator_code, reported_values.value
    from reported_values
    inner join indicators on indicators.indicator_code = reported_values.indicator_code
    where indicators.kind = :stock
),

final as (
    select in_force.unit_code, in_force.period, stock_values.indicator_code, stock_values.value
    from in_force
    left join stock_values on stock_values.submission_id = in_force.submission_id
)

select * from final
