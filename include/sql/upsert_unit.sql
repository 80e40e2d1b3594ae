-- One row per unit: insert a catalog unit or refresh its names, type and contact.
insert into units (unit_code, name_zh, name_en, unit_type, contact_email)
values (:unit_code, :name_zh, :name_en, :unit_type, :contact_email)
on conflict (unit_code) do update set
    name_zh = excluded.name_zh,
    name_en = excluded.name_en,
    unit_type = excluded.unit_type,
    contact_email = excluded.contact_email
