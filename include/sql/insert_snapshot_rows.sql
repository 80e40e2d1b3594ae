-- One row per unit and indicator that has a target or an accepted figure of the bound year, plus one CITY
-- row per catalog indicator: the snapshot figures of contract §4 for the bound year and month, stored
-- under the given snapshot id with the submissions each figure and baseline came from (for a row that
-- only a later month's figure brings, that submission).
-- Division by zero yields null: a zero target has no completion, expected rate, gap or rank (status
-- achieved, as any figure meets it); a zero share s_M has no flow forecast; Σ denominators 0 → no actual.
-- The vocabulary (accepted, CITY, the kinds and the statuses) is bound, not written in the statement.
--
-- The CTEs, in order, by job:
--
-- 1. Each unit's latest figure of each indicator, carried forward from an earlier month when the last
--    submission leaves an optional indicator out: this year up to the month, last year for the stocks'
--    baselines.
--    in_force_submissions   in-force accepted submissions of the year up to the month, and of last year
--    last_months            each unit's last month among them, per year
--    last_submissions       the submission of that month
--    wanted_pairs           (unit, year, indicator) whose figure is needed: every indicator this year,
--                           the stocks last year
--    last_figures           the figures the last submissions give
--    unreported_pairs       wanted pairs the last submission leaves out
--    earlier_sources        for each, the latest earlier submission of the same year that gives it
--    earlier_figures        the figure that submission gives
--    latest_figures         last_figures and earlier_figures: one figure per unit, indicator and year
--    actuals                this year's latest figures (a ratio's 100 × n / d comes in unit_rows)
--    baselines              last year's latest figures: the stocks' baselines
--
-- 2. Rows that only a figure of a month after the snapshot's brings (contract §4: "an accepted figure
--    in year Y").
--    unit_targets           the units' targets of the year (read by job 3 too)
--    fully_targeted_units   units with a target for every indicator, which can gain no such row
--    later_units            the other units with an in-force accepted submission after the month
--    later_candidate_pairs  their (unit, indicator) pairs with neither target nor actual
--    later_sources          for each, the first later submission that gives it, if any
--
-- 3. The arithmetic of contract §4.
--    unit_facts             what is known of each (unit, indicator), one line per fact: target, actual
--                           with its source, later source
--    unit_pairs             the same, one line per (unit, indicator)
--    unit_rows              the unit rows: actual (ratios worked out), target, baseline and sources
--    unit_actual_sums       per indicator: Σ actuals, Σ numerators and Σ denominators of units with one
--    unit_target_sums       per indicator: Σ unit targets
--    unit_baseline_sums     per indicator: Σ unit baselines
--    city_targets           the CITY targets of the year
--    city_rows              the CITY rows: actual, target and baseline
--    unit_and_city_rows     unit_rows and city_rows together
--    rated_rows             with the profile share s_M, completion_rate and expected_rate
--    gapped_rows            with gap, and whether the row is ranked
--    final                  with status, stale, rank and forecast: the row stored
insert into snapshot_rows (
    snapshot_id, unit_code, indicator_code, actual, target, completion_rate, expected_rate, gap, status,
    stale, rank, forecast, baseline, source_month, source_submission_id, baseline_submission_id
)

-- 1. each unit's latest figure of each indicator, with carry-forward

with in_force_submissions as (
    select submission_id, unit_code, year, month
    from submissions
    where status = :accepted
        and in_force = true
        and ((year = :year and month <= :month) or year = :year - 1)
),

last_months as (
    select unit_code, year, max(month) as month
    from in_force_submissions
    group by unit_code, year
),

last_submissions as (
    select
        in_force_submissions.submission_id,
        in_force_submissions.unit_code,
        in_force_submissions.year,
        in_force_submissions.month
    from in_force_submissions
    inner join last_months
        on last_months.unit_code = in_force_submissions.unit_code
        and last_months.year = in_force_submissions.year
        and last_months.month = in_force_submissions.month
),

-- this year every indicator; last year only the stocks, whose baselines the arithmetic needs
wanted_pairs as (
    select last_months.unit_code, last_months.year, last_months.month, indicators.indicator_code
    from last_months
    cross join indicators
    where last_months.year = :year or indicators.kind = :stock
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
        and (last_submissions.year = :year or indicators.kind = :stock)
),

-- indicators a unit's last submission of the year does not give (optional ones left unreported)
unreported_pairs as materialized (
    select wanted_pairs.unit_code, wanted_pairs.year, wanted_pairs.month, wanted_pairs.indicator_code
    from wanted_pairs
    where not exists (
        select 1
        from last_figures
        where last_figures.unit_code = wanted_pairs.unit_code
            and last_figures.year = wanted_pairs.year
            and last_figures.indicator_code = wanted_pairs.indicator_code
    )
),

-- the latest submission before the last one of the same year that gives the indicator, looked up pair
-- by pair: correlated lookups through the indexes, so that the work grows with the unreported pairs, not
-- the history
earlier_sources as materialized (
    select
        unreported_pairs.unit_code,
        unreported_pairs.year,
        unreported_pairs.indicator_code,
        (
            select submissions.submission_id
            from submissions
            inner join reported_values
                on reported_values.submission_id = submissions.submission_id
                and reported_values.indicator_code = unreported_pairs.indicator_code
            where submissions.unit_code = unreported_pairs.unit_code
                and submissions.year = unreported_pairs.year
                and submissions.month < unreported_pairs.month
                and submissions.status = :accepted
                and submissions.in_force = true
                and reported_values.value is not null
            order by submissions.month desc
            limit 1
        ) as submission_id
    from unreported_pairs
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
latest_figures as (
    select
        last_figures.submission_id,
        last_figures.unit_code,
        last_figures.year,
        last_figures.month,
        last_figures.indicator_code,
        last_figures.value,
        last_figures.numerator,
        last_figures.denominator
    from last_figures
    union all
    select
        earlier_figures.submission_id,
        earlier_figures.unit_code,
        earlier_figures.year,
        earlier_figures.month,
        earlier_figures.indicator_code,
        earlier_figures.value,
        earlier_figures.numerator,
        earlier_figures.denominator
    from earlier_figures
),

-- a ratio's actual (100 × numerator / denominator) is worked out in unit_rows, where the kind is known
actuals as (
    select submission_id, unit_code, indicator_code, month, numerator, denominator, value as actual
    from latest_figures
    where year = :year
),

baselines as (
    select submission_id, unit_code, indicator_code, value as baseline
    from latest_figures
    where year = :year - 1
),

-- 2. rows that only a later month's figure brings

unit_targets as (
    select unit_code, indicator_code, target
    from targets
    where year = :year and unit_code <> :city
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
    where status = :accepted and in_force = true and year = :year and month > :month
        and unit_code not in (select unit_code from fully_targeted_units)
),

-- pairs with neither target nor actual that a figure of a later month of the year may still give a row
-- (contract §4: "an accepted figure in year Y")
later_candidate_pairs as materialized (
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

later_sources as materialized (
    select
        later_candidate_pairs.unit_code,
        later_candidate_pairs.indicator_code,
        (
            select min(submissions.submission_id)
            from submissions
            inner join reported_values
                on reported_values.submission_id = submissions.submission_id
                and reported_values.indicator_code = later_candidate_pairs.indicator_code
            where submissions.unit_code = later_candidate_pairs.unit_code
                and submissions.year = :year
                and submissions.month > :month
                and submissions.status = :accepted
                and submissions.in_force = true
                and reported_values.value is not null
        ) as submission_id
    from later_candidate_pairs
),

-- 3. the arithmetic

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
    select
        unit_code,
        indicator_code,
        null as target,
        actual,
        numerator,
        denominator,
        month as source_month,
        submission_id as source_submission_id,
        null as later_submission_id
    from actuals
    union all
    select
        unit_code,
        indicator_code,
        null as target,
        null as actual,
        null as numerator,
        null as denominator,
        null as source_month,
        null as source_submission_id,
        submission_id as later_submission_id
    from later_sources
    where submission_id is not null
),

unit_pairs as (
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
        unit_pairs.unit_code,
        unit_pairs.indicator_code,
        indicators.kind,
        case
            when indicators.kind = :ratio and unit_pairs.denominator <> 0
                then 100.0 * unit_pairs.numerator / unit_pairs.denominator
            else unit_pairs.actual
        end as actual,
        unit_pairs.numerator,
        unit_pairs.denominator,
        unit_pairs.target,
        case when indicators.kind = :stock then coalesce(baselines.baseline, 0.0) end as baseline,
        unit_pairs.source_month,
        coalesce(unit_pairs.source_submission_id, unit_pairs.later_submission_id) as source_submission_id,
        case when indicators.kind = :stock then baselines.submission_id end as baseline_submission_id
    from unit_pairs
    inner join indicators on indicators.indicator_code = unit_pairs.indicator_code
    left join baselines
        on baselines.unit_code = unit_pairs.unit_code and baselines.indicator_code = unit_pairs.indicator_code
),

unit_actual_sums as (
    select
        indicator_code,
        sum(actual) as actual,
        sum(case when actual is not null then numerator end) as numerator,
        sum(case when actual is not null then denominator end) as denominator
    from unit_rows
    group by indicator_code
),

unit_target_sums as (
    select indicator_code, sum(target) as target
    from unit_targets
    group by indicator_code
),

unit_baseline_sums as (
    select indicator_code, sum(baseline) as baseline
    from baselines
    group by indicator_code
),

city_targets as (
    select indicator_code, target
    from targets
    where year = :year and unit_code = :city
),

city_rows as (
    select
        cast(:city as varchar(32)) as unit_code,
        indicators.indicator_code,
        indicators.kind,
        case
            when indicators.kind <> :ratio then unit_actual_sums.actual
            when unit_actual_sums.denominator <> 0
                then 100.0 * unit_actual_sums.numerator / unit_actual_sums.denominator
        end as actual,
        unit_actual_sums.numerator,
        unit_actual_sums.denominator,
        case
            when city_targets.target is not null then city_targets.target
            when indicators.kind <> :ratio then unit_target_sums.target
        end as target,
        case when indicators.kind = :stock then coalesce(unit_baseline_sums.baseline, 0.0) end as baseline,
        cast(null as integer) as source_month,
        cast(null as integer) as source_submission_id,
        cast(null as integer) as baseline_submission_id
    from indicators
    left join unit_actual_sums on unit_actual_sums.indicator_code = indicators.indicator_code
    left join unit_target_sums on unit_target_sums.indicator_code = indicators.indicator_code
    left join unit_baseline_sums on unit_baseline_sums.indicator_code = indicators.indicator_code
    left join city_targets on city_targets.indicator_code = indicators.indicator_code
),

unit_and_city_rows as (
    select
        unit_code,
        indicator_code,
        kind,
        actual,
        numerator,
        denominator,
        target,
        baseline,
        source_month,
        source_submission_id,
        baseline_submission_id
    from unit_rows
    union all
    select
        unit_code,
        indicator_code,
        kind,
        actual,
        numerator,
        denominator,
        target,
        baseline,
        source_month,
        source_submission_id,
        baseline_submission_id
    from city_rows
),

rated_rows as (
    select
        unit_and_city_rows.*,
        indicator_shares.share,
        case
            when unit_and_city_rows.target <> 0 then unit_and_city_rows.actual / unit_and_city_rows.target
        end as completion_rate,
        case
            when unit_and_city_rows.kind = :flow then indicator_shares.share
            when unit_and_city_rows.kind = :ratio then 1.0
            when unit_and_city_rows.target <> 0
                then (
                    unit_and_city_rows.baseline
                    + (unit_and_city_rows.target - unit_and_city_rows.baseline) * :month / 12.0
                )
                / unit_and_city_rows.target
        end as expected_rate
    from unit_and_city_rows
    left join indicator_shares
        on indicator_shares.indicator_code = unit_and_city_rows.indicator_code
        and indicator_shares.month = :month
),

gapped_rows as (
    select
        rated_rows.*,
        completion_rate - expected_rate as gap,
        case
            when unit_code <> :city and completion_rate is not null and expected_rate is not null then 1
            else 0
        end as rankable
    from rated_rows
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
            when actual is null then :no_data
            when target is null then :no_target
            when target = 0 or completion_rate >= 1 then :achieved
            when gap >= 0 then :on_track
            when gap > -:threshold then :behind
            else :lagging
        end as status,
        case
            when unit_code = :city or actual is null then null
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
            when kind = :flow then case when share <> 0 then actual / share end
            when kind = :stock then baseline + (actual - baseline) * 12 / :month
            else actual
        end as forecast,
        baseline,
        source_month,
        source_submission_id,
        baseline_submission_id
    from gapped_rows
)

select * from final
