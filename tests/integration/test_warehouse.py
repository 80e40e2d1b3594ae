"""The warehouse schema and catalog loading, on SQLite and PostgreSQL."""

import warnings
from datetime import date, datetime

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from support import CONTRACT_DIR, TODAY
from support.warehouse_rows import submit

from scorecard import snapshots, targets, warehouse

TARGETS_2026 = CONTRACT_DIR / "targets_2026.csv"


def test_init_db_creates_schema_and_loads_catalogs(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        cat = warehouse.read_catalog(conn)
        targets = conn.execute(sa.text("select count(*) from targets")).scalar_one()
    assert len(cat.indicators) == 17
    assert len(cat.units) == 9
    assert cat.indicators["ST_SPEND_SHARE"].applies("county")
    assert not cat.indicators["ST_SPEND_SHARE"].applies("park")
    assert cat.indicators["TECH_TURNOVER"].share(3) == 0.13
    assert targets == 146


def test_init_db_twice_is_harmless(engine: sa.Engine) -> None:
    warehouse.init_db(engine)
    with engine.connect() as conn:
        version = conn.execute(sa.text("select version_num from alembic_version")).scalar_one()
        units = conn.execute(sa.text("select count(*) from units")).scalar_one()
    assert units == 9
    assert version == sorted(p.stem[:4] for p in (warehouse.MIGRATIONS_DIR / "versions").glob("0*.py"))[-1]


def test_catalog_read_back_keeps_required_flags(engine: sa.Engine, catalog) -> None:
    with engine.connect() as conn:
        stored = warehouse.read_catalog(conn)
    assert {c: i.required for c, i in stored.indicators.items()} == {
        c: i.required for c, i in catalog.indicators.items()}
    assert stored.indicators["HTE_APPLY"].required and not stored.indicators["INCUBATOR_AREA"].required


def _snapshot_input_keys(eng: sa.Engine) -> dict[str, list[str]]:
    """The snapshot_inputs columns that reference another table, by the table they reference."""
    foreign_keys = sa.inspect(eng).get_foreign_keys("snapshot_inputs")
    return {fk["referred_table"]: fk["constrained_columns"] for fk in foreign_keys}


def test_migration_0004_drops_the_snapshot_inputs_foreign_keys_keeping_rows(db_url: str, catalog) -> None:
    eng = warehouse.engine(db_url)
    warehouse.migrate(eng, "0003")
    with eng.begin() as conn:
        warehouse.load_catalog(conn, catalog)
        targets.load(conn, targets.read(TARGETS_2026, catalog))
    sid = submit(eng, "C01", "2026-03", {"HTE_APPLY": 2})
    taken = snapshots.take(eng, "2026-03", today=TODAY)
    assert _snapshot_input_keys(eng) == {"snapshots": ["snapshot_id"], "submissions": ["submission_id"]}

    warehouse.migrate(eng)
    assert _snapshot_input_keys(eng) == {}
    with eng.connect() as conn:
        assert snapshots.load(conn, "2026-03", taken.version).inputs == [sid]

    config = Config()
    config.set_main_option("script_location", str(warehouse.MIGRATIONS_DIR))
    with eng.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
    assert _snapshot_input_keys(eng) == {"snapshots": ["snapshot_id"], "submissions": ["submission_id"]}
    with eng.connect() as conn:
        assert snapshots.load(conn, "2026-03", taken.version).inputs == [sid]


def test_migrations_0005_and_0006_upgrade_and_downgrade_keeping_rows(db_url: str, catalog) -> None:
    eng = warehouse.engine(db_url)
    warehouse.migrate(eng, "0004")
    with eng.begin() as conn:
        warehouse.load_catalog(conn, catalog)
    sid = submit(eng, "C01", "2026-03", {"HTE_APPLY": 2})

    warehouse.open_engine(db_url)  # a warehouse behind the newest migration is upgraded on opening
    assert warehouse.is_current(eng)
    inspector = sa.inspect(eng)
    assert {"locks", "run_snapshots", "bulletins"} <= set(inspector.get_table_names())
    assert {i["name"] for i in inspector.get_indexes("submissions")} >= {"uq_submissions_in_force",
                                                                        "uq_submissions_version"}
    with eng.connect() as conn:
        assert sorted(conn.execute(sa.text("select name from locks")).scalars()) == ["alerts", "ingest"]

    config = Config()
    config.set_main_option("script_location", str(warehouse.MIGRATIONS_DIR))
    with eng.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")
    assert "locks" not in sa.inspect(eng).get_table_names()
    with eng.connect() as conn:
        kept = conn.execute(sa.text("select submission_id from submissions where in_force")).scalars().all()
    assert kept == [sid]


def test_sqlite_keeps_dates_as_its_old_default_adapters_wrote_them(sqlite_url: str) -> None:
    """Python 3.12 deprecates sqlite3's default date adapters; the warehouse binds the same text without
    them (and without the warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with warehouse.engine(sqlite_url).connect() as conn:
            written = conn.execute(sa.text("select :day, :moment, :whole"), {
                "day": date(2026, 10, 5), "moment": datetime(2026, 11, 30, 8, 5, 1, 250),
                "whole": datetime(2026, 11, 30, 8, 5)}).one()
    assert tuple(written) == ("2026-10-05", "2026-11-30 08:05:01.000250", "2026-11-30 08:05:00")
