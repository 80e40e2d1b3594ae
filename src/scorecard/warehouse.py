"""The warehouse: engine, Alembic migrations, SQL statements from ``include/sql`` and catalog loading."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from datetime import UTC, date, datetime
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from scorecard import catalog as catalog_mod
from scorecard import config

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
LOCK_WAIT_SECONDS = 3600
"""How long a run waits for another to release a lock before it gives up (SQLite's own wait is 60 s)."""


def utc_now() -> datetime:
    """Now, as the warehouse keeps every date-time: naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def naive_utc(moment: datetime | None) -> datetime | None:
    """``moment`` as the warehouse keeps date-times: an aware one converted to UTC, then naive."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


@cache
def engine(url: str | None = None) -> Engine:
    """One engine per URL; an SQLite file's folder is created on first use."""
    url = config.db_url(url)
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        _adapt_dates_as_sqlite_did()
        eng = sa.create_engine(url, connect_args={"timeout": 60})

        @sa.event.listens_for(eng, "connect")
        def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("pragma foreign_keys = on")
            cursor.execute("pragma journal_mode = wal")
            cursor.close()

        return eng
    return sa.create_engine(url, pool_pre_ping=True)


def _adapt_dates_as_sqlite_did() -> None:
    """Bind ``date`` and ``datetime`` parameters as the text sqlite3's default adapters gave (ISO 8601, a
    space between date and time): Python 3.12 deprecates those defaults, the warehouse's rows keep them."""
    sqlite3.register_adapter(date, date.isoformat)
    sqlite3.register_adapter(datetime, lambda moment: moment.isoformat(" "))


Statement: TypeAlias = sa.TextClause | sa.TextualSelect
"""A statement of ``include/sql``: a textual select when its header types result columns."""
SQL_TYPES: dict[str, type[sa.types.TypeEngine[Any]]] = {
    "datetime": sa.DateTime, "bytes": sa.LargeBinary, "json": sa.JSON}
"""The types a statement's header can give its result columns or its parameters, where the driver's own
answer would not do: SQLite hands date-times back as text, JSON is text to it, bytes must bind as blobs."""
_TYPES_LINE = re.compile(r"^-- (result|parameter) types: (.+)$", re.MULTILINE)


@cache
def sql(name: str) -> Statement:
    """The statement ``include/sql/<name>.sql``, with its named parameters bound at execution.

    Header lines ``-- result types: column type, …`` and ``-- parameter types: name type, …`` (types from
    ``SQL_TYPES``) type those columns and parameters, so that every backend gives and takes Python's own
    values (a ``datetime``, a ``dict``, ``bytes``)."""
    text = (config.sql_dir() / f"{name}.sql").read_text(encoding="utf-8")
    declared: dict[str, dict[str, Any]] = {"result": {}, "parameter": {}}
    for kind, pairs in _TYPES_LINE.findall(text):
        for pair in pairs.split(","):
            column, type_name = pair.split()
            declared[kind][column] = SQL_TYPES[type_name]
    statement = sa.text(text).bindparams(
        *(sa.bindparam(key, type_=type_) for key, type_ in declared["parameter"].items()))
    return statement.columns(**declared["result"]) if declared["result"] else statement


@cache
def _table(url: str, name: str, eng: Engine) -> sa.Table:
    """``name`` as the warehouse has it, its key declared plainly (reflected, PostgreSQL's key carries a
    ``nextval`` default, with which SQLAlchemy will not batch inserts whose RETURNING keeps their order)."""
    reflected = sa.Table(name, sa.MetaData(), autoload_with=eng)
    return sa.Table(name, sa.MetaData(), *(sa.Column(c.name, c.type, primary_key=c.primary_key)
                                           for c in reflected.columns))


def insert_returning(conn: Connection, table: str, rows: list[dict[str, Any]], key: str) -> list[int]:
    """Insert ``rows`` into ``table``; the new ``key`` of each, in order, ascending.

    On PostgreSQL the keys are drawn from the table's sequence first, then the rows copied in with them
    (``append_rows``): a multi-row INSERT … RETURNING cost a third of loading a chunk. SQLite, in-process,
    takes them one by one, as one statement SQLAlchemy builds (a file cannot say "as many rows as given").
    """
    if not rows:
        return []
    if conn.dialect.name == "postgresql":
        keys = sorted(conn.execute(sql("select_new_ids"), {
            "table_name": table, "key_column": key, "row_count": len(rows)}).scalars())
        append_rows(conn, "", table, [{key: k, **row} for k, row in zip(keys, rows, strict=True)])
        return keys
    target = _table(conn.engine.url.render_as_string(hide_password=False), table, conn.engine)
    statement = sa.insert(target).returning(target.c[key], sort_by_parameter_order=True)
    return list(conn.execute(statement, rows).scalars())


@cache
def sql_with_lists(name: str, *texts: str, numbers: tuple[str, ...] = ()) -> Statement:
    """The statement ``include/sql/<name>.sql`` whose parameters ``texts`` (lists of strings) and
    ``numbers`` (lists of integers) take a list each: ``in :name`` expands to as many bound values as the
    list holds (typed, so that an empty list compares with its column on PostgreSQL too)."""
    return sql(name).bindparams(*(sa.bindparam(key, expanding=True, type_=sa.String) for key in texts),
                                *(sa.bindparam(key, expanding=True, type_=sa.Integer) for key in numbers))


IDS_PER_STATEMENT = 10_000
"""Values bound to one ``in :ids`` list (SQLite takes at most 32,766 bound values in a statement)."""


def execute_for_ids(conn: Connection, statement: str, ids: list[int], **params: object) -> None:
    """Execute ``include/sql/<statement>.sql``, whose ``:ids`` is a list, for ``ids``: one statement for
    up to IDS_PER_STATEMENT of them, not one per row."""
    query = sql_with_lists(statement, numbers=("ids",))
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        conn.execute(query, {"ids": ids[start:start + IDS_PER_STATEMENT], **params})


def append_rows(conn: Connection, statement: str, table: str, rows: list[dict[str, Any]]) -> None:
    """Append many rows to ``table``: PostgreSQL's COPY (a column holding a list or dict in the first row
    as JSON), elsewhere ``include/sql/<statement>.sql`` executed for every row. What a month's figures
    cost to load."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(sql(statement), rows)
        return
    columns = list(rows[0])
    as_json = [c for c in columns if isinstance(rows[0][c], list | dict)]
    values = itemgetter(*columns)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"copy {table} ({', '.join(columns)}) from stdin") as copy:
        for row in rows:
            if as_json:
                row = {**row, **{c: json.dumps(row[c], ensure_ascii=False) for c in as_json}}
            copy.write_row(values(row))


def take_lock(conn: Connection, name: str) -> None:
    """Hold the lock ``name`` (``ingest`` or ``alerts``) until ``conn``'s transaction ends.

    It is the first statement of the transaction: a row lock on PostgreSQL, the write lock on SQLite,
    both waited for while another run holds them.
    """
    from sqlalchemy.exc import OperationalError

    give_up = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            taken = conn.execute(sql("update_lock"), {"name": name, "taken_at": utc_now()}).rowcount
            break
        except OperationalError as exc:
            if "database is locked" not in str(exc) or time.monotonic() > give_up:
                raise
    if taken != 1:
        raise RuntimeError(f"the warehouse has no lock named {name!r}: run `scorecard init-db`")


def migrate(eng: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision``, the newest migration by default."""
    from alembic import command
    from alembic.config import Config

    alembic_cfg = Config()
    alembic_cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with eng.begin() as conn:
        alembic_cfg.attributes["connection"] = conn
        command.upgrade(alembic_cfg, revision)


def load_catalog(conn: Connection, cat: catalog_mod.Catalog) -> None:
    """Insert or refresh the catalog's units and indicators."""
    conn.execute(sql("upsert_unit"), [u.as_row() for u in cat.units.values()])
    conn.execute(sql("upsert_indicator"), [i.as_row() for i in cat.indicators.values()])


def init_db(eng: Engine, cat: catalog_mod.Catalog | None = None) -> catalog_mod.Catalog:
    """Create or upgrade the warehouse and load the catalogs (the configured ones by default)."""
    cat = cat or catalog_mod.load_files()
    migrate(eng)
    with eng.begin() as conn:
        load_catalog(conn, cat)
    return cat


def open_engine(url: str | None = None) -> Engine:
    """The warehouse at ``url`` (the configured one by default), created with the catalogs on first use
    and upgraded to the newest migration when it is behind."""
    eng = engine(url)
    if not is_initialised(eng):
        init_db(eng)
    elif not is_current(eng):
        migrate(eng)
    return eng


def read_indicators(conn: Connection) -> list[catalog_mod.Indicator]:
    """The catalog's indicators as the warehouse holds them, by code."""
    return [catalog_mod.indicator_from_row(dict(r._mapping)) for r in conn.execute(sql("select_indicators"))]


def read_unit_codes(conn: Connection) -> list[str]:
    """The codes of the catalog's units, in order."""
    return list(conn.execute(sql("select_unit_codes")).scalars())


def read_catalog(conn: Connection) -> catalog_mod.Catalog:
    """The catalog as the warehouse holds it."""
    units = [catalog_mod.unit_from_row(dict(r._mapping)) for r in conn.execute(sql("select_units"))]
    return catalog_mod.build(read_indicators(conn), units)


def is_initialised(eng: Engine) -> bool:
    return sa.inspect(eng).has_table("indicators")


def head_revision() -> str:
    """The newest migration's revision id (the files are numbered in order)."""
    return max(p.name.split("_", 1)[0] for p in (MIGRATIONS_DIR / "versions").glob("[0-9]*_*.py"))


def is_current(eng: Engine) -> bool:
    """Whether the warehouse's schema is at the newest migration."""
    with eng.connect() as conn:
        return conn.execute(sql("select_schema_version")).scalar() == head_revision()
