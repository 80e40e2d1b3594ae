-- One row per bulletin file written, by snapshot version, then Chinese before English, xlsx before html.
select bulletin_id, snapshot_id, lang, format, location, written_at
from bulletins
order by snapshot_id, lang desc, format desc
