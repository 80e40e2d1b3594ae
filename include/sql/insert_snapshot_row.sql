-- One row per unit and indicator of a snapshot version.
insert into snapshot_rows (
    snapshot_id, unit_code, indicator_code, actual, target, completion_rate, expected_rate, gap,
    status, stale, rank, forecast, baseline, source_month
)
values (
    :snapshot_id, :unit_code, :indicator_code, :actual, :target, :completion_rate, :expected_rate, :gap,
    :status, :stale, :rank, :forecast, :baseline, :source_month
)
