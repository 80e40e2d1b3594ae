-- One row per unit (CITY included) and indicator with a target for the bound year.
select unit_code, indicator_code, target
from targets
where year = :year
order by unit_code, indicator_code
