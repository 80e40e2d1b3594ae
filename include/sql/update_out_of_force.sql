-- One row per unit and period whose in-force submission is replaced: the current one goes out of force
-- first (the unique index on in-force submissions is checked row by row).
update submissions
set in_force = false
where unit_code = :unit_code and period = :period and in_force and submission_id <> :submission_id
