-- One row: the warehouse's schema revision (Alembic's bookkeeping table).
select version_num
from alembic_version
