"""Snapshots on SQLite and PostgreSQL: versioning, inputs, errors, the CLI, and a whole city checked
against a straightforward Python reading of contract §4."""

from __future__ import annotations

import json
import random

import pytest
import sqlalchemy as sa
from support import TODAY
from support.warehouse_rows import set_targets, submit
from typer.testing import CliRunner

from scorecard import snapshots, warehouse
from scorecard.cli import app

pytestmark = pytest.mark.integration



def set_target(eng: sa.Engine, unit: str, indicator: str, target: float, year: int = 2026) -> None:
    set_targets(eng, year, [(unit, indicator, target)])


def count(eng: sa.Engine, table: str) -> int:
    with eng.connect() as conn:
        return conn.execute(sa.text(f"select count(*) from {table}")).scalar_one()


def test_unchanged_inputs_return_the_same_version(engine: sa.Engine) -> None:
    submit(engine, "C01", "2026-09", {"HTE_APPLY": 9})
    first = snapshots.take_and_load(engine, "2026-09", today=TODAY)
    again = snapshots.take_and_load(engine, "2026-09", today=TODAY)
    assert (first.version, again.version) == (1, 1)
    assert again.snapshot_id == first.snapshot_id
    assert again.as_json() == first.as_json()
    assert count(engine, "snapshots") == 1


def test_take_answers_the_version_and_load_reads_it_whole(engine: sa.Engine) -> None:
    submit(engine, "C01", "2026-09", {"HTE_APPLY": 9})
    taken = snapshots.take(engine, "2026-09", today=TODAY)
    assert type(taken) is snapshots.SnapshotVersion
    assert snapshots.take(engine, "2026-09", today=TODAY) == taken
    with engine.connect() as conn:
        stored = snapshots.load(conn, "2026-09", taken.version)
    assert snapshots.SnapshotVersion(stored.period, stored.version, stored.snapshot_id, stored.taken_at,
                                     stored.threshold) == taken
    assert stored.row("C01", "HTE_APPLY").actual == 9
    assert snapshots.take_and_load(engine, "2026-09", today=TODAY) == stored


def test_correction_makes_a_new_version_and_keeps_the_old(engine: sa.Engine) -> None:
    old_sid = submit(engine, "C01", "2026-09", {"HTE_APPLY": 9})
    v1 = snapshots.take_and_load(engine, "2026-09", today=TODAY)
    new_sid = submit(engine, "C01", "2026-09", {"HTE_APPLY": 10})
    v2 = snapshots.take_and_load(engine, "2026-09", today=TODAY)
    assert (v1.version, v2.version) == (1, 2)
    assert v2.row("C01", "HTE_APPLY").actual == 10
    assert v2.row("CITY", "HTE_APPLY").actual == 10
    with engine.connect() as conn:
        stored_v1 = snapshots.load(conn, "2026-09", 1)
        assert snapshots.latest(conn, "2026-09").version == 2
        changes = snapshots.diff(conn, "2026-09")
    assert stored_v1.as_json() == v1.as_json()
    assert stored_v1.row("C01", "HTE_APPLY").actual == 9
    assert (stored_v1.inputs, v2.inputs) == ([old_sid], [new_sid])
    assert (changes["from_version"], changes["to_version"]) == (1, 2)
    changed = {(c["unit_code"], c["indicator_code"]): c for c in changes["changes"]}
    assert set(changed) == {("C01", "HTE_APPLY"), ("CITY", "HTE_APPLY")}
    assert (changed["C01", "HTE_APPLY"]["before"]["actual"], changed["C01", "HTE_APPLY"]["after"]["actual"]) \
        == (9, 10)


def test_target_change_mid_year_makes_a_new_version(engine: sa.Engine) -> None:
    submit(engine, "C01", "2026-06", {"HTE_APPLY": 6})
    v1 = snapshots.take_and_load(engine, "2026-06", today=TODAY)
    set_target(engine, "C01", "HTE_APPLY", 24)
    v2 = snapshots.take_and_load(engine, "2026-06", today=TODAY)
    assert (v1.version, v2.version) == (1, 2)
    assert (v1.row("C01", "HTE_APPLY").target, v2.row("C01", "HTE_APPLY").target) == (11, 24)
    assert v2.row("C01", "HTE_APPLY").completion_rate == pytest.approx(6 / 24)


def test_late_submission_and_threshold_make_new_versions(engine: sa.Engine) -> None:
    submit(engine, "C01", "2026-06", {"HTE_APPLY": 6})
    v1 = snapshots.take_and_load(engine, "2026-06", today=TODAY)
    submit(engine, "C02", "2026-06", {"HTE_APPLY": 2})
    v2 = snapshots.take_and_load(engine, "2026-06", today=TODAY)
    v3 = snapshots.take_and_load(engine, "2026-06", threshold=0.3, today=TODAY)
    assert [v.version for v in (v1, v2, v3)] == [1, 2, 3]
    assert "C02" in v1.missing_units and "C02" not in v2.missing_units
    assert v3.threshold == 0.3


def test_unused_submission_does_not_change_the_snapshot(engine: sa.Engine) -> None:
    """A resubmission of an earlier month whose figures the snapshot does not read keeps the version."""
    submit(engine, "C01", "2026-05", {"HTE_APPLY": 4})
    submit(engine, "C01", "2026-06", {"HTE_APPLY": 6})
    v1 = snapshots.take_and_load(engine, "2026-06", today=TODAY)
    submit(engine, "C01", "2026-05", {"HTE_APPLY": 5})
    assert snapshots.take(engine, "2026-06", today=TODAY).version == v1.version


def test_a_later_month_changes_the_snapshot_only_when_it_brings_a_row(engine: sa.Engine) -> None:
    submit(engine, "C01", "2026-06", {"HTE_APPLY": 6})
    v1 = snapshots.take_and_load(engine, "2026-06", today=TODAY)
    submit(engine, "C01", "2026-07", {"HTE_APPLY": 7})  # C01 has an HTE_APPLY target: no new row
    assert snapshots.take(engine, "2026-06", today=TODAY).version == v1.version
    july = submit(engine, "C03", "2026-07", {"INCUBATOR_AREA": 2})  # C03 has no INCUBATOR_AREA target
    v2 = snapshots.take_and_load(engine, "2026-06", today=TODAY)
    assert v2.version == v1.version + 1
    assert v2.row("C03", "INCUBATOR_AREA").status == "no_data"
    assert july in v2.inputs


def test_inputs_include_baselines(engine: sa.Engine) -> None:
    dec = submit(engine, "C01", "2025-12", {"HTE_TOTAL": 70})
    now = submit(engine, "C01", "2026-03", {"HTE_TOTAL": 75, "HTE_APPLY": 2})
    snap = snapshots.take_and_load(engine, "2026-03", today=TODAY)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("select submission_id from snapshot_inputs where snapshot_id = :s "
                                      "order by submission_id"), {"s": snap.snapshot_id}).scalars().all()
    assert stored == sorted([dec, now])


@pytest.mark.parametrize(("period", "message"), [
    ("2026-13", "YYYY-MM"), ("26-09", "YYYY-MM"), ("2026-9", "YYYY-MM"), ("nonsense", "YYYY-MM"),
    ("2026-12", "future"), ("2027-01", "future"), ("2025-06", "no targets"),
])
def test_snapshot_errors(engine: sa.Engine, period: str, message: str) -> None:
    with pytest.raises(snapshots.SnapshotError, match=message):
        snapshots.take(engine, period, today=TODAY)
    assert count(engine, "snapshots") == 0


def test_history_follows_the_latest_version_of_each_month(engine: sa.Engine) -> None:
    for month, value in ((1, 3), (2, 8), (3, 14)):
        submit(engine, "C01", f"2026-{month:02d}", {"HTE_APPLY": value})
        snapshots.take(engine, f"2026-{month:02d}", today=TODAY)
    submit(engine, "C01", "2026-02", {"HTE_APPLY": 9})
    snapshots.take(engine, "2026-02", today=TODAY)
    with engine.connect() as conn:
        points = snapshots.history(conn, "CITY", "HTE_APPLY", 2026)
    assert [(p["month"], p["actual"]) for p in points] == [(1, 3), (2, 9), (3, 14)]
    assert [p["completion_rate"] for p in points] == pytest.approx([3 / 60, 9 / 60, 14 / 60])


def test_cli_snapshot_json_and_errors(engine: sa.Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    submit(engine, "C01", "2026-09", {"HTE_APPLY": 9})
    runner = CliRunner()
    result = runner.invoke(app, ["snapshot", "--period", "2026-09", "--json", "--db", url])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document == snapshots.take_and_load(engine, "2026-09").as_json()
    assert document["version"] == 1
    diff = runner.invoke(app, ["snapshot", "--period", "2026-09", "--diff", "--json", "--db", url])
    assert json.loads(diff.stdout)["changes"] == []
    bad = runner.invoke(app, ["snapshot", "--period", "2026-9x", "--json", "--db", url])
    assert bad.exit_code == 2
    assert "YYYY-MM" in json.loads(bad.stdout)["error"]
    assert "Traceback" not in bad.output


# ---- a whole city against a straightforward Python reading of contract §4 ----------------------------

def reference(cat, targets: dict, figures: dict, year: int, month: int, threshold: float = 0.10) -> dict:
    """Contract §4 computed row by row in plain Python. ``figures[(unit, ind, y, m)] = (value, num, den)``."""
    def latest_of(unit, ind, y, up_to):
        months = [m for (u, i, yy, m) in figures if (u, i, yy) == (unit, ind, y) and m <= up_to]
        return (max(months), figures[unit, ind, y, max(months)]) if months else (None, None)

    rows = {}
    units = sorted(cat.units)
    for ind in cat.indicators.values():
        unit_rows = {}
        for unit in units:
            source_month, fig = latest_of(unit, ind.code, year, month)
            target = targets.get((unit, ind.code))
            if target is None and latest_of(unit, ind.code, year, 12)[1] is None:
                continue  # a row needs a target or an accepted figure of the year (any month)
            actual = None if fig is None else (100 * fig[1] / fig[2] if ind.kind == "ratio" else fig[0])
            base = latest_of(unit, ind.code, year - 1, 12)[1]
            baseline = base[0] if base else 0.0
            unit_rows[unit] = (actual, target, baseline, source_month, fig)
        for unit, (actual, target, baseline, source_month, _) in unit_rows.items():
            rows[unit, ind.code] = figures_of(ind, actual, target, baseline, month, threshold)
            rows[unit, ind.code]["stale"] = None if actual is None else source_month < month
        with_actual = [r for r in unit_rows.values() if r[0] is not None]
        if ind.kind == "ratio":
            den = sum(r[4][2] for r in with_actual)
            city_actual = 100 * sum(r[4][1] for r in with_actual) / den if with_actual else None
        else:
            city_actual = sum(r[0] for r in with_actual) if with_actual else None
        unit_targets = [targets[u, ind.code] for u in units if (u, ind.code) in targets]
        city_target = targets.get(("CITY", ind.code))
        if city_target is None and ind.kind != "ratio" and unit_targets:
            city_target = sum(unit_targets)
        city_baseline = sum((latest_of(u, ind.code, year - 1, 12)[1] or (0.0,))[0] for u in units)
        rows["CITY", ind.code] = figures_of(ind, city_actual, city_target, city_baseline, month, threshold)
        ranked = sorted((u for u in unit_rows if rows[u, ind.code]["gap"] is not None),
                        key=lambda u: (-rows[u, ind.code]["gap"], -rows[u, ind.code]["completion_rate"], u))
        for position, unit in enumerate(ranked, start=1):
            rows[unit, ind.code]["rank"] = position
    return rows


def figures_of(ind, actual, target, baseline, month, threshold) -> dict:
    share = ind.share(month)
    completion = actual / target if actual is not None and target else None
    if ind.kind == "flow":
        expected = share
    elif ind.kind == "ratio":
        expected = 1.0
    else:
        expected = (baseline + (target - baseline) * month / 12) / target if target else None
    gap = completion - expected if completion is not None else None
    if actual is None:
        status = "no_data"
    elif target is None:
        status = "no_target"
    elif target == 0 or completion >= 1:
        status = "achieved"
    else:
        status = "on_track" if gap >= 0 else "behind" if gap > -threshold else "lagging"
    forecast = None
    if actual is not None:
        forecast = {"flow": lambda: actual / share, "ratio": lambda: actual,
                    "stock": lambda: baseline + (actual - baseline) * 12 / month}[ind.kind]()
    return {"actual": actual, "target": target, "completion_rate": completion, "expected_rate": expected,
            "gap": gap, "status": status, "stale": None, "rank": None, "forecast": forecast}


@pytest.mark.parametrize("month", [3, 9])
def test_whole_city_matches_the_reference(engine: sa.Engine, month: int) -> None:
    rng = random.Random(month)
    with engine.connect() as conn:
        cat = warehouse.read_catalog(conn)
        targets = {(u, i): t for u, i, t in conn.execute(sa.text(
            "select unit_code, indicator_code, target from targets where year = 2026"))}
    figures: dict = {}
    for unit in cat.units.values():
        for year, months in ((2025, rng.sample(range(1, 13), 3)), (2026, range(1, month + 3))):
            for m in months:
                if rng.random() < 0.2:  # a month the unit did not report
                    continue
                values = {}
                for ind in cat.applicable(unit):
                    if not ind.required and rng.random() < 0.4:
                        continue
                    num, den = rng.uniform(1, 50), rng.uniform(100, 900)
                    value = (num, den) if ind.kind == "ratio" else round(rng.uniform(0, 40) * m, 2)
                    values[ind.code] = value
                    figures[unit.code, ind.code, year, m] = (
                        100 * num / den if ind.kind == "ratio" else value, num, den)
                if values:
                    submit(engine, unit.code, f"{year}-{m:02d}", values)
    expected = reference(cat, targets, figures, 2026, month)
    snap = snapshots.take_and_load(engine, f"2026-{month:02d}", today=TODAY)
    got = {(r.unit_code, r.indicator_code): r.as_json() for r in snap.rows}
    assert set(got) == set(expected)
    for key, row in expected.items():
        for name, value in row.items():
            if isinstance(value, float):
                assert got[key][name] == pytest.approx(value, rel=1e-9, abs=1e-9), (key, name)
            else:
                assert got[key][name] == value, (key, name)


def test_concurrent_takes_make_one_version(engine: sa.Engine) -> None:
    from concurrent.futures import ThreadPoolExecutor

    submit(engine, "C01", "2026-09", {"HTE_APPLY": 9})
    with ThreadPoolExecutor(4) as pool:
        versions = list(pool.map(lambda _: snapshots.take(engine, "2026-09", today=TODAY).version, range(4)))
    assert versions == [1, 1, 1, 1]
    assert count(engine, "snapshots") == 1
