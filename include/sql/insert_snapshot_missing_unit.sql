-- One row per snapshot version and unit that had no accepted submission for the period itself.
insert into snapshot_missing_units (snapshot_id, unit_code)
values (:snapshot_id, :unit_code)
