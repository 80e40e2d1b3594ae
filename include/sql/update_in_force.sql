-- The newly accepted submissions that supersede what was in force for their unit and period (at most
-- one per unit and period) go into force.
update submissions
set in_force = true
where submission_id in :ids and status = :accepted
