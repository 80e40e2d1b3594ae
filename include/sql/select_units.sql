-- One row per unit of the catalog.
select unit_code, name_zh, name_en, unit_type, contact_email
from units
order by unit_code
