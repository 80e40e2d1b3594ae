-- Moves "in force" for one unit and period to the given accepted submission.
update submissions
set in_force = (submission_id = :submission_id)
where unit_code = :unit_code and period = :period and status = 'accepted'
