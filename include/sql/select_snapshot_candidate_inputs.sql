-- One row per in-force accepted submission of the bound year or the year before: every submission a
-- snapshot of that year could use.
select submission_id
from submissions
where status = :accepted and in_force = true and (year = :year or year = :year - 1)
order by submission_id
