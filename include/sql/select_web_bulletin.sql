-- One row: the bulletin file of the bound id, if the warehouse knows it.
select bulletin_id, snapshot_id, lang, format, location, written_at
from bulletins
where bulletin_id = :bulletin_id
