-- One row per indicator of the catalog.
select
    indicator_code, name_zh, name_en, measure_unit, kind, applies_to, required,
    min_value, max_value, profile
from indicators
order by indicator_code
