-- One row per unit and period: the given accepted submission goes into force (the one it replaces
-- went out of force just before, update_out_of_force.sql).
update submissions
set in_force = true
where submission_id = :submission_id and status = 'accepted'
