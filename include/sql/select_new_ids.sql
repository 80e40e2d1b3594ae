-- PostgreSQL only (the bulk path of warehouse.insert_returning): the next row_count values of the
-- sequence behind table_name.key_column, taken before the rows are copied in with them.
select nextval(pg_get_serial_sequence(:table_name, :key_column)) as id
from generate_series(1, :row_count)
