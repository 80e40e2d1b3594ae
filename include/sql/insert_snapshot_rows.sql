-- One row per unit and indicator that has a target or an accepted figure of the bound year, plus one CITY
-- row per catalog indicator: the snapshot figures of contract §4 for the bound year and month, stored
-- under the given snapshot id with the submissions each figure and baseline came from (for a row that
-- only a later month's figure brings, that submission).
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

last_months as (
    select unit_code, year, max(month) as month
    from in_force
    group by unit_code, year
),

last_submissions as (
    select in_force.submission_id, in_force.unit_code, in_force.year, in_force.month
    from in_force
    inner join last_months
        on last_months.unit_code = in_force.unit_code
        and last_months.year = in_force.year
        and last_months.month = in_force.month
),

-- this year every indicator; last year only the stocks, whose baselines the arithmetic needs
wanted as (
    select last_months.unit_code, last_months.year, last_months.month, indicators.indicator_code
    from last_months
    cross join indicators
    where last_months.year = :year or indicators.kind = 'stock'
),

last_figures as (
    select
        last_submissions.submission_id,
        last_submissions.unit_code,
        last_submissions.year,
        last_submissions.month,
        reported_values.indicator_code,
        reported_values.value,
        reported_values.numerator,
        reported_values.denominator
    from last_submissions
    inner join reported_values on reported_values.submission_id = last_submissions.submission_id
    inner join indicators on indicators.indicator_code = reported_values.indicator_code
    where reported_values.value is not null
        and (last_submissions.year = :year or indicators.kind = 'stock')
),

-- indicators a unit's last submission of the year does not give (optional ones left unreported)
gaps as materialized (
    select wanted.unit_code, wanted.year, wanted.month, wanted.indicator_code
    from wanted
    where not exists (
        select 1
        from last_figures
        where last_figures.unit_code = wanted.unit_code
            and last_figures.year = wanted.year
            and last_figures.indicator_code = wanted.indicator_code
    )
),

-- the latest submission before the last one of the same year that gives the indicator, looked up gap
-- by gap: correlated lookups through the indexes, so that the work grows with the gaps, not the history
earlier_sources as materialized (
    select
        gaps.unit_code,
        gaps.year,
        gaps.indicator_code,
        (
            select submissions.submission_id
            from submissions
            inner join reported_values
                on reported_values.submission_id = submissions.submission_id
                and reported_values.indicator_code = gaps.indicator_code
            where submissions.unit_code = gaps.unit_code
                and submissions.year = gaps.year
                and submissions.month < gaps.month
                and submissions.status = 'accepted'
                and submissions.in_force = true
                and reported_values.value is not null
            order by submissions.month desc
            limit 1
        ) as submission_id
    from gaps
),

-- the figure each look-up found, read by primary key
earlier_figures as (
    select
        earlier_sources.submission_id,
        earlier_sources.unit_code,
        earlier_sources.year,
        (
            select submissions.month
            from submissions
            where submissions.submission_id = earlier_sources.submission_id
        ) as month,
        earlier_sources.indicator_code,
        reported_values.value,
        reported_values.numerator,
        reported_values.denominator
    from earlier_sources
    inner join reported_values
        on reported_values.submission_id = earlier_sources.submission_id
        and reported_values.indicator_code = earlier_sources.indicator_code
),

-- each unit's latest figure of each indicator: this year up to the month, and last year (stocks)
figures as (
    select submission_id, unit_code, year, month, indicator_code, value, numerator, denominator
    from last_figures
    union all
    select submission_id, unit_code, year, month, indicator_code, value, numerator, denominator
    from earlier_figures
),

-- a ratio's actual (100 × numerator / denominator) is worked out in unit_rows, where the kind is known
actuals as (
    select submission_id, unit_code, indicator_code, month, numerator, denominator, value as actual
    from figures
    where year = :year
),

baselines as (
    select submission_id, unit_code, indicator_code, value as baseline
    from figures
    where year = :year - 1
),

unit_targets as (
    select unit_code, indicator_code, target
    from targets
    where year = :year and unit_code <> 'CITY'
),

-- units with a target for every indicator: none of their pairs can lack both target and figure
fully_targeted_units as (
    select unit_code
    from unit_targets
    group by unit_code
    having count(*) = (select count(*) from indicators)
),

later_units as (
    select distinct unit_code
    from submissions
    where status = 'accepted' and in_force = true and year = :year and month > :month
        and unit_code not in (select unit_code from fully_targeted_units)
),

-- pairs with neither target nor actual that a figure of a later month of the year may still give a row
-- (contract §4: "an accepted figure in year Y")
later_candidates as materialized (
    select later_units.unit_code, indicators.indicator_code
    from later_units
    cross join indicators
    where not exists (
        select 1
        from unit_targets
        where unit_targets.unit_code = later_units.unit_code
            and unit_targets.indicator_code = indicators.indicator_code
    )
        and not exists (
            select 1
            from actuals
            where actuals.unit_code = later_units.unit_code
                and actuals.indicator_code = indicators.indicator_code
        )
),

later_keys as materialized (
    select
        later_candidates.unit_code,
        later_candidates.indicator_code,
        (
            select min(submissions.submission_id)
            from submissions
            inner join reported_values
                on reported_values.submission_id = submissions.submission_id
                and reported_values.indicator_code = later_candidates.indicator_code
            where submissions.unit_code = later_candidates.unit_code
                and submissions.year = :year
                and submissions.month > :month
                and submissions.status = 'accepted'
                and submissions.in_force = true
                and reported_values.value is not null
        ) as submission_id
    from later_candidates
),

-- what is known of each (unit, indicator): its target, its actual, a later month's figure; one line each
unit_facts as (
    select
        unit_code,
        indicator_code,
        target,
        cast(null as double precision) as actual,
        cast(null as double precision) as numerator,
        cast(null as double precision) as denominator,
        cast(null as integer) as source_month,
        cast(null as integer) as source_submission_id,
        cast(null as integer) as later_submission_id
    from unit_targets
    union all
    select unit_code, indicator_code, null, actual, numerator, denominator, month, submission_id, null
    from actuals
    union all
    select unit_code, indicator_code, null, null, null, null, null, null, submission_id
    from later_keys
    where submission_id is not null
),

unit_keyed as (
    select
        unit_code,
        indicator_code,
        max(target) as target,
        max(actual) as actual,
        max(numerator) as numerator,
        max(denominator) as denominator,
        max(source_month) as source_month,
        max(source_submission_id) as source_submission_id,
        max(later_submission_id) as later_submission_id
    from unit_facts
    group by unit_code, indicator_code
),

unit_rows as (
    select
        unit_keyed.unit_code,
        unit_keyed.indicator_code,
        indicators.kind,
        case
            when indicators.kind = 'ratio' and unit_keyed.denominator <> 0
                then 100.0 * unit_keyed.numerator / unit_keyed.denominator
            else unit_keyed.actual
        end as actual,
        unit_keyed.numerator,
        unit_keyed.denominator,
        unit_keyed.target,
        case when indicators.kind = 'stock' then coalesce(baselines.baseline, 0.0) end as baseline,
        unit_keyed.source_month,
        coalesce(unit_keyed.source_submission_id, unit_keyed.later_submission_id) as source_submission_id,
        case when indicators.kind = 'stock' then baselines.submission_id end as baseline_submission_id
    from unit_keyed
    inner join indicators on indicators.indicator_code = unit_keyed.indicator_code
    left join baselines
        on baselines.unit_code = unit_keyed.unit_code and baselines.indicator_code = unit_keyed.indicator_code
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
