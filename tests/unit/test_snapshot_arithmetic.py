"""The snapshot arithmetic of contract §4, through the real SQL on SQLite, against figures worked by hand."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support import TODAY
from support.warehouse_rows import set_targets, submit

from scorecard import snapshots, warehouse


@pytest.fixture
def wh(sqlite_url: str) -> sa.Engine:
    """A migrated SQLite warehouse with the default catalogs and no targets or submissions."""
    eng = warehouse.engine(sqlite_url)
    warehouse.init_db(eng)
    return eng


# id, targets of 2026 (+2025 unused), submissions, period, (unit, indicator), expected figures
CASES = [
    ("flow_linear_behind", [("C01", "HTE_APPLY", 12)], [("C01", "2026-06", {"HTE_APPLY": 5})],
     "2026-06", ("C01", "HTE_APPLY"),
     {"actual": 5, "target": 12, "completion_rate": 5 / 12, "expected_rate": 6 / 12,
      "gap": 5 / 12 - 0.5, "status": "behind", "stale": False, "rank": 1, "forecast": 5 * 12 / 6}),
    ("flow_profile_on_track", [("C01", "TECH_CONTRACT", 1000)], [("C01", "2026-08", {"TECH_CONTRACT": 500})],
     "2026-08", ("C01", "TECH_CONTRACT"),
     {"completion_rate": 0.5, "expected_rate": 0.49, "gap": 0.5 - 0.49, "status": "on_track",
      "forecast": 500 / 0.49}),
    ("flow_achieved", [("C01", "HTE_APPLY", 12)], [("C01", "2026-03", {"HTE_APPLY": 12})],
     "2026-03", ("C01", "HTE_APPLY"), {"completion_rate": 1.0, "status": "achieved", "forecast": 48}),
    ("flow_lagging", [("C01", "HTE_APPLY", 12)], [("C01", "2026-06", {"HTE_APPLY": 4})],
     "2026-06", ("C01", "HTE_APPLY"), {"gap": 4 / 12 - 0.5, "status": "lagging"}),
    ("stale_earlier_month", [("C01", "HTE_APPLY", 12)],
     [("C01", "2026-04", {"HTE_APPLY": 3}), ("C01", "2026-05", {"HTE_APPLY": 4})],
     "2026-06", ("C01", "HTE_APPLY"), {"actual": 4, "stale": True, "forecast": 4 * 12 / 6}),
    ("later_month_ignored", [("C01", "HTE_APPLY", 12)],
     [("C01", "2026-06", {"HTE_APPLY": 6}), ("C01", "2026-07", {"HTE_APPLY": 9})],
     "2026-06", ("C01", "HTE_APPLY"), {"actual": 6, "stale": False, "status": "on_track"}),
    ("later_month_gives_a_row_without_actual", [("C02", "HTE_APPLY", 12)],
     [("C01", "2026-07", {"INCUBATOR_COUNT": 3})],
     "2026-06", ("C01", "INCUBATOR_COUNT"),
     {"actual": None, "target": None, "status": "no_data", "stale": None, "expected_rate": None,
      "forecast": None}),
    ("optional_unreported_falls_back", [("C01", "INCUBATOR_COUNT", 10)],
     [("C01", "2026-04", {"INCUBATOR_COUNT": 8}), ("C01", "2026-06", {"HTE_APPLY": 1})],
     "2026-06", ("C01", "INCUBATOR_COUNT"), {"actual": 8, "stale": True}),
    ("fallback_ignores_later_months", [("C01", "INCUBATOR_COUNT", 10)],
     [("C01", "2026-05", {"INCUBATOR_COUNT": 3}), ("C01", "2026-06", {"HTE_APPLY": 1}),
      ("C01", "2026-07", {"INCUBATOR_COUNT": 9})],
     "2026-06", ("C01", "INCUBATOR_COUNT"), {"actual": 3, "stale": True}),
    ("fallback_ignores_superseded", [("C01", "INCUBATOR_COUNT", 10)],
     [("C01", "2026-04", {"INCUBATOR_COUNT": 2}), ("C01", "2026-05", {"INCUBATOR_COUNT": 4}, False),
      ("C01", "2026-06", {"HTE_APPLY": 1})],
     "2026-06", ("C01", "INCUBATOR_COUNT"), {"actual": 2, "stale": True}),
    ("stock_baseline_december_without_the_figure", [("C01", "INCUBATOR_AREA", 20)],
     [("C01", "2025-10", {"INCUBATOR_AREA": 5}), ("C01", "2025-12", {"HTE_APPLY": 1}),
      ("C01", "2026-03", {"INCUBATOR_AREA": 8})],
     "2026-03", ("C01", "INCUBATOR_AREA"),
     {"expected_rate": (5 + (20 - 5) * 3 / 12) / 20, "forecast": 5 + (8 - 5) * 12 / 3}),
    ("stock_baseline_december", [("C01", "HTE_TOTAL", 90)],
     [("C01", "2025-06", {"HTE_TOTAL": 50}), ("C01", "2025-12", {"HTE_TOTAL": 60}),
      ("C01", "2026-03", {"HTE_TOTAL": 70})],
     "2026-03", ("C01", "HTE_TOTAL"),
     {"completion_rate": 70 / 90, "expected_rate": (60 + (90 - 60) * 3 / 12) / 90,
      "gap": 70 / 90 - (60 + 30 * 3 / 12) / 90, "status": "on_track", "forecast": 60 + (70 - 60) * 12 / 3}),
    ("stock_baseline_latest_of_last_year", [("C01", "HTE_TOTAL", 90)],
     [("C01", "2025-06", {"HTE_TOTAL": 50}), ("C01", "2025-10", {"HTE_TOTAL": 55}),
      ("C01", "2026-03", {"HTE_TOTAL": 70})],
     "2026-03", ("C01", "HTE_TOTAL"),
     {"expected_rate": (55 + (90 - 55) * 3 / 12) / 90, "forecast": 55 + (70 - 55) * 12 / 3}),
    ("stock_baseline_zero", [("C01", "HTE_TOTAL", 90)], [("C01", "2026-03", {"HTE_TOTAL": 20})],
     "2026-03", ("C01", "HTE_TOTAL"),
     {"expected_rate": 0.25, "gap": 20 / 90 - 0.25, "status": "behind", "forecast": 80}),
    ("ratio", [("C01", "ST_SPEND_SHARE", 8)], [("C01", "2026-05", {"ST_SPEND_SHARE": (3, 50)})],
     "2026-05", ("C01", "ST_SPEND_SHARE"),
     {"actual": 6, "completion_rate": 0.75, "expected_rate": 1, "gap": -0.25, "status": "lagging",
      "forecast": 6}),
    ("city_ratio_sum_num_over_sum_den", [("CITY", "ST_SPEND_SHARE", 5)],
     [("C01", "2026-05", {"ST_SPEND_SHARE": (3, 50)}), ("C02", "2026-05", {"ST_SPEND_SHARE": (5, 100)})],
     "2026-05", ("CITY", "ST_SPEND_SHARE"),
     {"actual": 100 * 8 / 150, "target": 5, "completion_rate": 100 * 8 / 150 / 5, "status": "achieved",
      "stale": None, "rank": None}),
    ("city_ratio_has_no_summed_target", [("C01", "ST_SPEND_SHARE", 8)],
     [("C01", "2026-05", {"ST_SPEND_SHARE": (3, 50)})],
     "2026-05", ("CITY", "ST_SPEND_SHARE"), {"actual": 6, "target": None, "status": "no_target"}),
    ("city_flow_sums_unit_targets", [("C01", "HTE_APPLY", 12), ("C02", "HTE_APPLY", 8)],
     [("C01", "2026-06", {"HTE_APPLY": 5}), ("C02", "2026-05", {"HTE_APPLY": 2})],
     "2026-06", ("CITY", "HTE_APPLY"),
     {"actual": 7, "target": 20, "completion_rate": 0.35, "gap": 0.35 - 0.5, "status": "lagging",
      "forecast": 14, "stale": None}),
    ("city_target_wins_over_sum", [("CITY", "HTE_APPLY", 30), ("C01", "HTE_APPLY", 12)],
     [("C01", "2026-06", {"HTE_APPLY": 5})], "2026-06", ("CITY", "HTE_APPLY"), {"target": 30}),
    ("city_stock_sums_baselines", [("C01", "HTE_TOTAL", 90), ("C02", "HTE_TOTAL", 50)],
     [("C01", "2025-12", {"HTE_TOTAL": 60}), ("C02", "2025-08", {"HTE_TOTAL": 40}),
      ("C01", "2026-06", {"HTE_TOTAL": 75}), ("C02", "2026-06", {"HTE_TOTAL": 44})],
     "2026-06", ("CITY", "HTE_TOTAL"),
     {"actual": 119, "target": 140, "expected_rate": (100 + (140 - 100) * 6 / 12) / 140,
      "forecast": 100 + (119 - 100) * 12 / 6}),
    ("unit_without_data", [("C01", "HTE_APPLY", 12)], [], "2026-06", ("C01", "HTE_APPLY"),
     {"actual": None, "status": "no_data", "completion_rate": None, "gap": None, "expected_rate": 0.5,
      "stale": None, "rank": None, "forecast": None}),
    ("unit_without_target", [("C02", "HTE_APPLY", 12)], [("C01", "2026-06", {"HTE_APPLY": 5})],
     "2026-06", ("C01", "HTE_APPLY"),
     {"target": None, "status": "no_target", "completion_rate": None, "rank": None, "forecast": 10}),
    ("city_without_target_or_data", [("C01", "HTE_APPLY", 12)], [], "2026-06", ("CITY", "PLATFORM_NEW"),
     {"actual": None, "target": None, "status": "no_data"}),
    ("zero_target", [("C01", "HTE_APPLY", 0)], [("C01", "2026-06", {"HTE_APPLY": 2})],
     "2026-06", ("C01", "HTE_APPLY"),
     {"completion_rate": None, "gap": None, "status": "achieved", "rank": None, "forecast": 4}),
]


@pytest.mark.parametrize(("targets", "subs", "period", "key", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_row_figures(wh, targets, subs, period, key, expected) -> None:
    set_targets(wh, 2026, targets)
    for unit, month, values, *in_force in subs:
        submit(wh, unit, month, values, *in_force)
    row = snapshots.take_and_load(wh, period, today=TODAY).row(*key)
    assert row is not None
    for name, value in expected.items():
        got = getattr(row, name)
        if isinstance(value, float) and not isinstance(value, bool):
            assert got == pytest.approx(value, abs=1e-9), name
        else:
            assert got == value, name


@pytest.mark.parametrize(("threshold", "status"), [(0.10, "lagging"), (0.20, "behind"), (0.25, "behind")])
def test_threshold_moves_behind_and_lagging(wh, threshold: float, status: str) -> None:
    set_targets(wh, 2026, [("C01", "HTE_APPLY", 12)])
    submit(wh, "C01", "2026-06", {"HTE_APPLY": 4})  # gap = 4/12 - 1/2 = -1/6
    snap = snapshots.take_and_load(wh, "2026-06", threshold, today=TODAY)
    assert snap.row("C01", "HTE_APPLY").status == status


@pytest.mark.parametrize(("values", "ranks"), [
    ({"C01": 6, "C02": 3, "C03": 9}, {"C03": 1, "C01": 2, "C02": 3}),
    ({"C03": 6, "C02": 6, "C01": 6}, {"C01": 1, "C02": 2, "C03": 3}),  # ties: unit_code
    ({"C01": 1, "C02": 12, "P01": 12}, {"C02": 1, "P01": 2, "C01": 3}),
])
def test_rank_by_gap_then_completion_then_code(wh, values: dict, ranks: dict) -> None:
    set_targets(wh, 2026, [(u, "HTE_APPLY", 12) for u in values] + [("C05", "HTE_APPLY", 12)])
    for unit, value in values.items():
        submit(wh, unit, "2026-06", {"HTE_APPLY": value})
    snap = snapshots.take_and_load(wh, "2026-06", today=TODAY)
    assert {r.unit_code: r.rank for r in snap.rows if r.indicator_code == "HTE_APPLY"} == {
        **ranks, "C05": None, "CITY": None}


def test_rank_breaks_equal_gaps_by_completion(wh) -> None:
    """Two stocks with the same gap but different completion: the higher completion ranks first."""
    set_targets(wh, 2026, [("C01", "HTE_TOTAL", 100), ("C02", "HTE_TOTAL", 200)])
    # M = 6, baseline 0: expected 0.5 for both; C01 gap 0.1 (60/100), C02 gap 0.1 (120/200) – equal.
    # Give C02 a baseline so that its expected and completion both rise by the same amount.
    submit(wh, "C02", "2025-12", {"HTE_TOTAL": 40})  # expected (40 + 160/2)/200 = 0.6
    submit(wh, "C01", "2026-06", {"HTE_TOTAL": 60})  # 0.6 - 0.5 = 0.1
    submit(wh, "C02", "2026-06", {"HTE_TOTAL": 140})  # 0.7 - 0.6 = 0.1
    snap = snapshots.take_and_load(wh, "2026-06", today=TODAY)
    c01, c02 = snap.row("C01", "HTE_TOTAL"), snap.row("C02", "HTE_TOTAL")
    assert c01.gap == pytest.approx(c02.gap)
    assert (c02.rank, c01.rank) == (1, 2)


def test_rows_missing_units_and_order(wh) -> None:
    set_targets(wh, 2026, [("C01", "HTE_APPLY", 12), ("P01", "HTE_TOTAL", 5)])
    submit(wh, "C02", "2026-06", {"HTE_APPLY": 1})
    submit(wh, "C03", "2026-05", {"HTE_APPLY": 1})
    submit(wh, "C04", "2026-06", {"HTE_APPLY": 1}, in_force=False)
    snap = snapshots.take_and_load(wh, "2026-06", today=TODAY)
    keys = [(r.indicator_code, r.unit_code) for r in snap.rows]
    with wh.connect() as conn:
        indicators = sorted(warehouse.read_catalog(conn).indicators)
    expected_units = {"HTE_APPLY": ["C01", "C02", "C03"], "HTE_TOTAL": ["P01"]}
    assert keys == [(i, u) for i in indicators for u in [*expected_units.get(i, []), "CITY"]]
    assert snap.missing_units == ["C01", "C03", "C04", "C05", "P01", "P02", "P03", "P04"]
    assert list(snap.as_json()) == ["period", "version", "missing_units", "rows"]
    assert list(snap.as_json()["rows"][0]) == list(snapshots.JSON_FIELDS)
