-- One row per snapshot version and submission it used.
insert into snapshot_inputs (snapshot_id, submission_id)
values (:snapshot_id, :submission_id)
