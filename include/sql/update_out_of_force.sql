-- The in-force submissions replaced by newly accepted ones go out of force, before those go in
-- (update_in_force.sql): the unique index on in-force submissions is checked row by row.
update submissions
set in_force = false
where submission_id in :ids
