-- One row per unit of the catalog: its code.
select unit_code
from units
order by unit_code
