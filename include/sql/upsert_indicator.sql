-- One row per indicator: insert a catalog indicator or refresh its definition.
insert into indicators (
    indicator_code, name_zh, name_en, measure_unit, kind, applies_to, required,
    min_value, max_value, profile
)
values (
    :indicator_code, :name_zh, :name_en, :measure_unit, :kind, :applies_to, :required,
    :min_value, :max_value, :profile
)
on conflict (indicator_code) do update set
    name_zh = excluded.name_zh,
    name_en = excluded.name_en,
    measure_unit = excluded.measure_unit,
    kind = excluded.kind,
    applies_to = excluded.applies_to,
    required = excluded.required,
    min_value = excluded.min_value,
    max_value = excluded.max_value,
    profile = excluded.profile
