"""The warehouse schema and catalog loading, on SQLite and PostgreSQL."""

import sqlalchemy as sa

from scorecard import warehouse


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
