-- One row per submission (one unit, one period, from one received file), accepted or rejected.
insert into submissions (
    file_id, unit_code, period, year, month, submitted_at, received_at, status, version,
    in_force, errors, warnings
)
values (
    :file_id, :unit_code, :period, :year, :month, :submitted_at, :received_at, :status, :version,
    :in_force, :errors, :warnings
)
returning submission_id
