-- One row per unit and indicator that has a target or an accepted figure of the bound year up to the bound
-- month, plus one CITY row per catalog indicator: the snapshot figures of contract §4 for that period,
-- stored under the given snapshot id with the submissions each figure and baseline came from.
-- Division by zero yields null: a zero target has no completion, expected rate, gap or rank (status
-- achieved, as any figure meets it); a zero share s_M has no flow forecast; Σ denominators 0 → no actual.
insert into snapshot_rows (
    snapshot_id, unit_code, indicator_code, actual, target, completion_rate, expected_rate, gap, status,
    stale, rank, forecast, baseline, source_month, source_submission_id, baseline_submission_id
)

with in_force as (
    select submission_id, unit_code, year, month
    from submissions
    where status = 'accepted'
        and in_force = true
        and ((year = :year and month <= :month) or year = :year - 1)
),

figures as (
    select
        in_force.submission_id,
        in_force.unit_code,
        in_force.year,
        in_force.month,
        reported_values.indicator_code,
        reported_values.numerator,
        reported_values.denominator,
        case
            when indicators.kind = 'ratio' and reported_values.denominator <> 0
                then 100.0 * reported_values.numerator / reported_values.denominator
            else reported_values.value
        end as figure,
        row_number() over (
            partition by in_force.unit_code, reported_values.indicator_code, in_force.year
            order by in_force.month desc
        ) as recency
    from in_force
    inner join reported_values on reported_values.submission_id = in_force.submission_id
    inner join indicators on indicators.indicator_code = reported_values.indicator_code
    where reported_values.value is not null
        and (in_force.year = :year or indicators.kind = 'stock')
),

actuals as (
    select submission_id, unit_code, indicator_code, month, numerator, denominator, figure as actual
    from figures
    where year = :year and recency = 1
),

baselines as (
    select submission_id, unit_code, indicator_code, figure as baseline
    from figures
    where year = :year - 1 and recency = 1
),

unit_targets as (
    select unit_code, indicator_code, target
    from targets
    where year = :year and unit_code <> 'CITY'
),

unit_keys as (
    select unit_code, indicator_code from unit_targets
    union
    select unit_code, indicator_code from actuals
),

unit_rows as (
    select
        unit_keys.unit_code,
        unit_keys.indicator_code,
        indicators.kind,
        actuals.actual,
        actuals.numerator,
        actuals.denominator,
        unit_targets.target,
        case when indicators.kind = 'stock' then coalesce(baselines.baseline, 0.0) end as baseline,
        actuals.month as source_month,
        actuals.submission_id as source_submission_id,
        case when indicators.kind = 'stock' then baselines.submission_id end as baseline_submission_id
    from unit_keys
    inner join indicators on indicators.indicator_code = unit_keys.indicator_code
    left join actuals
        on actuals.unit_code = unit_keys.unit_code and actuals.indicator_code = unit_keys.indicator_code
    left join unit_targets
        on unit_targets.unit_code = unit_keys.unit_code
        and unit_targets.indicator_code = unit_keys.indicator_code
    left join baselines
        on baselines.unit_code = unit_keys.unit_code and baselines.indicator_code = unit_keys.indicator_code
),

unit_sums as (
    select
        indicator_code,
        sum(actual) as actual,
        sum(case when actual is not null then numerator end) as numerator,
        sum(case when actual is not null then denominator end) as denominator
    from unit_rows
    group by indicator_code
),

target_sums as (
    select indicator_code, sum(target) as target
    from unit_targets
    group by indicator_code
),

baseline_sums as (
    select indicator_code, sum(baseline) as baseline
    from baselines
    group by indicator_code
),

city_targets as (
    select indicator_code, target
    from targets
    where year = :year and unit_code = 'CITY'
),

city_rows as (
    select
        'CITY' as unit_code,
        indicators.indicator_code,
        indicators.kind,
        case
            when indicators.kind <> 'ratio' then unit_sums.actual
            when unit_sums.denominator <> 0 then 100.0 * unit_sums.numerator / unit_sums.denominator
        end as actual,
        unit_sums.numerator,
        unit_sums.denominator,
        case
            when city_targets.target is not null then city_targets.target
            when indicators.kind <> 'ratio' then target_sums.target
        end as target,
        case when indicators.kind = 'stock' then coalesce(baseline_sums.baseline, 0.0) end as baseline,
        cast(null as integer) as source_month,
        cast(null as integer) as source_submission_id,
        cast(null as integer) as baseline_submission_id
    from indicators
    left join unit_sums on unit_sums.indicator_code = indicators.indicator_code
    left join target_sums on target_sums.indicator_code = indicators.indicator_code
    left join baseline_sums on baseline_sums.indicator_code = indicators.indicator_code
    left join city_targets on city_targets.indicator_code = indicators.indicator_code
),

all_rows as (
    select * from unit_rows
    union all
    select * from city_rows
),

rated as (
    select
        all_rows.*,
        indicator_shares.share,
        case when all_rows.target <> 0 then all_rows.actual / all_rows.target end as completion_rate,
        case
            when all_rows.kind = 'flow' then indicator_shares.share
            when all_rows.kind = 'ratio' then 1.0
            when all_rows.target <> 0
                then (all_rows.baseline + (all_rows.target - all_rows.baseline) * :month / 12.0)
                / all_rows.target
        end as expected_rate
    from all_rows
    left join indicator_shares
        on indicator_shares.indicator_code = all_rows.indicator_code and indicator_shares.month = :month
),

gapped as (
    select
        rated.*,
        completion_rate - expected_rate as gap,
        case
            when unit_code <> 'CITY' and completion_rate is not null and expected_rate is not null then 1
            else 0
        end as rankable
    from rated
),

final as (
    select
        cast(:snapshot_id as integer) as snapshot_id,
        unit_code,
        indicator_code,
        actual,
        target,
        completion_rate,
        expected_rate,
        gap,
        case
            when actual is null then 'no_data'
            when target is null then 'no_target'
            when target = 0 or completion_rate >= 1 then 'achieved'
            when gap >= 0 then 'on_track'
            when gap > -:threshold then 'behind'
            else 'lagging'
        end as status,
        case
            when unit_code = 'CITY' or actual is null then null
            when source_month < :month then true
            else false
        end as stale,
        case
            when rankable = 1 then row_number() over (
                partition by indicator_code, rankable
                order by gap desc, completion_rate desc, unit_code asc
            )
        end as rank,
        case
            when actual is null then null
            when kind = 'flow' then case when share <> 0 then actual / share end
            when kind = 'stock' then baseline + (actual - baseline) * 12 / :month
            else actual
        end as forecast,
        baseline,
        source_month,
        source_submission_id,
        baseline_submission_id
    from gapped
)

select * from final
