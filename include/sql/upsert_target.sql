-- One row per year, unit and indicator: a later target file replaces the earlier target.
insert into targets (year, unit_code, indicator_code, target, source, loaded_at)
values (:year, :unit_code, :indicator_code, :target, :source, :loaded_at)
on conflict (year, unit_code, indicator_code) do update set
    target = excluded.target,
    source = excluded.source,
    loaded_at = excluded.loaded_at
