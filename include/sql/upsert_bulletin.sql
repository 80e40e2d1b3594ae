-- One row per bulletin file (snapshot version, language, format): where it was written, and when.
insert into bulletins (snapshot_id, lang, format, location, written_at)
values (:snapshot_id, :lang, :format, :location, :written_at)
on conflict (snapshot_id, lang, format) do update set
    location = excluded.location,
    written_at = excluded.written_at
