"""The submission parser (contract §2, §2.3) and the structural rules of §3 it reports."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest
from support import TODAY
from support.submission_files import (
    HEADER,
    csv_bytes,
    csv_records,
    edit_xml,
    excel_row,
    filled_rows,
    grid,
    set_cell,
    xlsx,
)

from scorecard import catalog as catalog_mod
from scorecard.model import ParsedSubmission
from scorecard.parsing import parse_file

VALUE, UNIT, NUMERATOR, DENOMINATOR = 2, 1, 3, 4  # columns of support.submission_files.HEADER


def one(name: str, data: bytes, cat) -> ParsedSubmission:
    subs = parse_file(name, data, cat, TODAY)
    assert len(subs) == 1
    return subs[0]


def found(sub: ParsedSubmission) -> list[tuple[str, str | None, int | None, str | None]]:
    return [(str(p.rule), p.cell, p.line, p.indicator_code) for p in sub.problems]


def value_of(sub: ParsedSubmission, code: str) -> float | None:
    return next(r.value for r in sub.rows if r.indicator_code == code)


# --- complete submissions -------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["C03", "P01"])
def test_complete_workbook_has_no_problem(catalog, unit: str) -> None:
    sub = one("in/c.xlsx", xlsx(grid(catalog, unit)), catalog)
    applicable = [i.code for i in catalog.applicable(catalog.units[unit])]
    assert (sub.file, sub.form, sub.unit_code, sub.period, sub.sheet) == (
        "in/c.xlsx",
        "xlsx",
        unit,
        "2026-09",
        "填报表",
    )
    assert found(sub) == []
    assert [r.indicator_code for r in sub.rows] == applicable


def test_rows_carry_cells_and_ratio_value(catalog) -> None:
    sheet = grid(catalog)
    sub = one("c.xlsx", xlsx(sheet), catalog)
    n = excel_row(sheet, "ST_SPEND_SHARE")
    ratio = next(r for r in sub.rows if r.indicator_code == "ST_SPEND_SHARE")
    assert (ratio.numerator, ratio.denominator, ratio.value) == (30, 1000, 100 * 30 / 1000)
    assert ratio.cells == {
        "indicator_code": f"A{n}",
        "measure_unit": f"B{n}",
        "value": f"C{n}",
        "numerator": f"D{n}",
        "denominator": f"E{n}",
    }
    flow = next(r for r in sub.rows if r.indicator_code == "HTE_APPLY")
    assert (flow.value, flow.numerator, flow.denominator, flow.line) == (10, None, None, None)


# --- metadata ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "period"),
    [
        ("2026-09", "2026-09"),
        ("2026/9", "2026-09"),
        ("2026年9月", "2026-09"),
        ("2026-9", "2026-09"),
        ("2026.09", "2026-09"),
        ("202609", "2026-09"),
        (202609, "2026-09"),
        (" 2026 年 10 月 ", "2026-10"),
        ("２０２６－０９", "2026-09"),
        (date(2026, 9, 1), "2026-09"),
        (datetime(2026, 8, 31, 12), "2026-08"),
        ("2026-09-15", "2026-09"),
        ("2026/9/15", "2026-09"),
        ("2026年9月15日", "2026-09"),
        ("2026-09-15 08:00:00", "2026-09"),
        ("2000-01", "2000-01"),
    ],
)
def test_period_spellings(catalog, written: object, period: str) -> None:
    sub = one("c.xlsx", xlsx(grid(catalog, period=written)), catalog)
    assert (sub.period, found(sub)) == (period, [])


@pytest.mark.parametrize(
    "written", ["2026-13", "2026-00", "September", "26-09", "1999-12", "2026-02-30", True, 3.5, "-", "无"]
)
def test_bad_period(catalog, written: object) -> None:
    sub = one("c.xlsx", xlsx(grid(catalog, period=written)), catalog)
    assert found(sub) == [("bad_period", "B2", None, None)]
    assert sub.period is None


@pytest.mark.parametrize(
    ("period", "problems"),
    [
        ("2026-11", []),
        ("2026-12", [("future_period", "B2", None, None)]),
        ("2027-01", [("future_period", "B2", None, None)]),
    ],
)
def test_future_period(catalog, period: str, problems: list) -> None:
    assert found(one("c.xlsx", xlsx(grid(catalog, period=period)), catalog)) == problems


@pytest.mark.parametrize(
    ("unit_label", "period_label"),
    [
        ("unit_code", "period"),
        ("单位代码", "报告期"),
        (" Unit_Code ", "PERIOD"),
        ("UNIT CODE", " Period: "),
        ("单 位 代 码", "报告期："),
        ("ｕｎｉｔ＿ｃｏｄｅ", "报告期（YYYY-MM）"),
    ],
)
def test_metadata_labels(catalog, unit_label: str, period_label: str) -> None:
    sheet = grid(catalog)
    sheet[0][0], sheet[1][0] = unit_label, period_label
    sub = one("c.xlsx", xlsx(sheet), catalog)
    assert (sub.unit_code, sub.period, found(sub)) == ("C03", "2026-09", [])


def test_metadata_in_any_order_with_contact_and_time(catalog) -> None:
    sheet = grid(catalog)
    sheet[0:2] = [
        ["填报人", "王芳"],
        ["period", "2026-09"],
        ["填报时间", "2026-10-05 10:30"],
        ["unit_code", "c03"],
    ]
    sub = one("c.xlsx", xlsx(sheet), catalog)
    assert found(sub) == []
    assert (sub.unit_code, sub.contact, sub.submitted_at) == ("C03", "王芳", datetime(2026, 10, 5, 10, 30))


@pytest.mark.parametrize(
    ("written", "stamp"),
    [
        ("2026-10-05 10:30", datetime(2026, 10, 5, 10, 30)),
        ("2026-10-05T10:30:15", datetime(2026, 10, 5, 10, 30, 15)),
        ("2026-10-05", datetime(2026, 10, 5)),
        ("2026/10/5 9:05", datetime(2026, 10, 5, 9, 5)),
        ("2026-10-05T10:30:00+08:00", datetime(2026, 10, 5, 2, 30)),
        (datetime(2026, 10, 5, 10, 30), datetime(2026, 10, 5, 10, 30)),
        (date(2026, 10, 5), datetime(2026, 10, 5)),
    ],
)
def test_submitted_at(catalog, written: object, stamp: datetime) -> None:
    sheet = grid(catalog)
    sheet.insert(2, ["submitted_at", written])
    sub = one("c.xlsx", xlsx(sheet), catalog)
    assert (sub.submitted_at, found(sub)) == (stamp, [])


@pytest.mark.parametrize("written", ["yesterday", "2026-13-01", 46300])
def test_unparseable_submitted_at(catalog, written: object) -> None:
    sheet = grid(catalog)
    sheet.insert(2, ["填报时间", written])
    sub = one("c.xlsx", xlsx(sheet), catalog)
    assert (found(sub), sub.submitted_at) == ([("missing_metadata", "B3", None, None)], None)


@pytest.mark.parametrize(
    ("sheet_rows", "expected"),
    [
        ([["单位代码", "C03"], ["报告期", None]], [("missing_metadata", "B2", None, None)]),
        ([["单位代码", "  "], ["报告期", "2026-09"]], [("missing_metadata", "B1", None, None)]),
        ([["报告期", "2026-09"]], [("missing_metadata", None, None, None)]),
        ([], [("missing_metadata", None, None, None), ("missing_metadata", None, None, None)]),
    ],
)
def test_missing_metadata(catalog, sheet_rows: list, expected: list) -> None:
    sheet = [*sheet_rows, [], list(HEADER), *filled_rows(catalog, "C03")]
    sub = one("c.xlsx", xlsx(sheet), catalog)
    assert found(sub) == expected
    assert len(sub.rows) == len(filled_rows(catalog, "C03"))


def test_missing_table_header(catalog) -> None:
    sheet = grid(catalog)
    sheet[3] = ["指标代码", "计量单位", "本月数"]
    assert found(one("c.xlsx", xlsx(sheet), catalog)) == [("missing_metadata", None, None, None)]


# --- sheet and table layout --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "before", "chosen"),
    [
        ("填报表", [("说明", "visible")], "填报表"),
        (" Submission ", [("说明", "visible")], " Submission "),
        ("Sheet", [("说明", "hidden")], "Sheet"),
        ("Sheet", [("旧表", "veryHidden"), ("隐藏", "hidden")], "Sheet"),
        ("Data", [], "Data"),
    ],
)
def test_sheet_choice(catalog, title: str, before: list, chosen: str) -> None:
    sub = one("c.xlsx", xlsx(grid(catalog), title=title, before=before), catalog)
    assert (sub.sheet, sub.unit_code, found(sub)) == (chosen, "C03", [])


def test_first_visible_sheet_is_read_when_none_is_named(catalog) -> None:
    sub = one("c.xlsx", xlsx(grid(catalog), title="Data", before=[("说明", "visible")]), catalog)
    assert (sub.sheet, sub.unit_code) == ("说明", "C01")


@pytest.mark.parametrize(
    "header",
    [
        ["indicator_code", "measure_unit", "value", "numerator", "denominator", "note"],
        [" Indicator_Code ", "MEASURE UNIT", "Value", "Numerator", "DENOMINATOR", "Note"],
        ["指标 代码", "计量单位", "数值（本年累计）", "分子", "分母", "备注"],
    ],
)
def test_header_labels(catalog, header: list) -> None:
    sheet = grid(catalog)
    sheet[3] = header
    sub = one("c.xlsx", xlsx(sheet), catalog)
    assert found(sub) == []
    assert value_of(sub, "ST_SPEND_SHARE") == 3.0


def test_free_column_order_and_extra_columns(catalog) -> None:
    sheet = grid(catalog)
    table = sheet[3:]
    # two ignored columns first, then the HEADER columns in reverse: code ends up in column H, value in F
    sheet[3:] = [[n, "名称", *reversed(row)] for n, row in enumerate(table)]
    sub = one("c.xlsx", xlsx(sheet), catalog)
    n = 5 + [row[0] for row in table[1:]].index("HTE_APPLY")
    row = next(r for r in sub.rows if r.indicator_code == "HTE_APPLY")
    assert found(sub) == []
    assert (row.value, row.cells["indicator_code"], row.cells["value"]) == (10, f"H{n}", f"F{n}")


def test_table_ends_at_first_empty_row_and_blank_codes_are_ignored(catalog) -> None:
    sheet = grid(catalog)
    sheet.insert(5, [None, None, 99, None, None, "合计行没有代码"])
    sheet += [[], ["NO_SUCH", None, "abc"]]
    sub = one("c.xlsx", xlsx(sheet), catalog)
    assert found(sub) == []
    assert len(sub.rows) == len(filled_rows(catalog, "C03"))


def test_metadata_and_table_with_offset_rows(catalog) -> None:
    sheet = [["2026年科技创新指标月报"], [], *grid(catalog)]
    sub = one("c.xlsx", xlsx(sheet), catalog)
    assert (sub.unit_code, sub.period, found(sub)) == ("C03", "2026-09", [])


# --- cell values (§2.3) -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [
        (7, 7.0),
        (7.25, 7.25),
        ("12", 12.0),
        (" 12 ", 12.0),
        ("1,234.5", 1234.5),
        ("1,234,567", 1234567.0),
        ("１２３", 123.0),
        ("１，２３４．５", 1234.5),
        ("0", 0.0),
        ("-3", -3.0),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("\u22124", -4.0),
    ],
)
def test_text_numbers(catalog, written: object, value: float) -> None:
    sub = one("c.xlsx", xlsx(set_cell(grid(catalog), "HTE_APPLY", VALUE, written)), catalog)
    assert (value_of(sub, "HTE_APPLY"), found(sub)) == (value, [])


@pytest.mark.parametrize("marker", [None, "", "  ", "-", "--", "—", "——", "/", "无", "－", "／", "–"])
def test_not_reported_markers(catalog, marker: object) -> None:
    required = set_cell(grid(catalog), "HTE_APPLY", VALUE, marker)
    sub = one("c.xlsx", xlsx(required), catalog)
    n = excel_row(required, "HTE_APPLY")
    assert found(sub) == [("missing_value", f"C{n}", None, "HTE_APPLY")]
    assert "HTE_APPLY" not in {r.indicator_code for r in sub.rows}
    optional = one("c.xlsx", xlsx(set_cell(grid(catalog), "INCUBATOR_AREA", VALUE, marker)), catalog)
    assert found(optional) == []
    assert "INCUBATOR_AREA" not in {r.indicator_code for r in optional.rows}


@pytest.mark.parametrize(
    "written",
    [
        "abc",
        True,
        False,
        date(2026, 9, 1),
        datetime(2026, 9, 1, 8),
        "1.2.3",
        "12%",
        "nan",
        "inf",
        "1,23",
        "12 家",
        "约100",
    ],
)
def test_not_a_number(catalog, written: object) -> None:
    sheet = set_cell(grid(catalog), "HTE_APPLY", VALUE, written)
    sub = one("c.xlsx", xlsx(sheet), catalog)
    row = next(r for r in sub.rows if r.indicator_code == "HTE_APPLY")
    assert found(sub) == [("not_a_number", f"C{excel_row(sheet, 'HTE_APPLY')}", None, "HTE_APPLY")]
    assert (row.value, row.invalid_fields) == (None, {"value"})


@pytest.mark.parametrize(("written", "value"), [("8.5%", 8.5), ("8.5", 8.5), ("８．５％", 8.5), (8.5, 8.5)])
def test_percent_on_percent_indicator(catalog, written: object, value: float) -> None:
    share = dataclasses.replace(catalog.indicators["INCUBATOR_AREA"], code="SHARE", measure_unit="%")
    cat = catalog_mod.build([*catalog.indicators.values(), share], catalog.units.values())
    sheet = grid(cat, rows=[*filled_rows(catalog, "C03"), ["SHARE", "%", written]])
    sub = one("c.xlsx", xlsx(sheet), cat)
    assert (value_of(sub, "SHARE"), found(sub)) == (value, [])


@pytest.mark.parametrize(
    ("code", "unit", "written", "value"),
    [
        ("TECH_CONTRACT", "元", 12345, 12345 / 10000),
        ("TECH_CONTRACT", "亿元", 2.5, 25000.0),
        ("TECH_CONTRACT", "万元", 17, 17.0),
        ("TECH_CONTRACT", " 万 元 ", 17, 17.0),
        ("TECH_CONTRACT", None, 17, 17.0),
        ("CREDIT_LOAN", "元", "1,000,000", 100.0),
        ("HTE_APPLY", "家", 4, 4.0),
        ("INCUBATOR_AREA", "万平方米", 2, 2.0),
    ],
)
def test_measure_unit_conversion(catalog, code: str, unit: str | None, written: object, value: float) -> None:
    sheet = set_cell(set_cell(grid(catalog), code, UNIT, unit), code, VALUE, written)
    sub = one("c.xlsx", xlsx(sheet), catalog)
    assert (value_of(sub, code), found(sub)) == (value, [])


def test_ratio_money_unit_converts_numerator_and_denominator(catalog) -> None:
    sheet = set_cell(grid(catalog), "ST_SPEND_SHARE", UNIT, "元")
    set_cell(set_cell(sheet, "ST_SPEND_SHARE", NUMERATOR, 300000), "ST_SPEND_SHARE", DENOMINATOR, 1000000)
    sub = one("c.xlsx", xlsx(sheet), catalog)
    row = next(r for r in sub.rows if r.indicator_code == "ST_SPEND_SHARE")
    assert found(sub) == []
    assert (row.numerator, row.denominator, row.value) == (30.0, 100.0, 30.0)


@pytest.mark.parametrize(
    ("code", "unit"),
    [("TECH_CONTRACT", "千元"), ("HTE_APPLY", "个"), ("HTE_APPLY", "元"), ("INCUBATOR_AREA", "平方米")],
)
def test_unit_mismatch(catalog, code: str, unit: str) -> None:
    sheet = set_cell(grid(catalog), code, UNIT, unit)
    sub = one("c.xlsx", xlsx(sheet), catalog)
    row = next(r for r in sub.rows if r.indicator_code == code)
    assert found(sub) == [("unit_mismatch", f"B{excel_row(sheet, code)}", None, code)]
    assert (row.value, row.invalid_fields) == (None, {"value"})


@pytest.mark.parametrize(
    ("given", "value", "problems"),
    [
        ({VALUE: 99, NUMERATOR: 30, DENOMINATOR: 1000}, 3.0, []),
        ({NUMERATOR: 0, DENOMINATOR: 1000}, 0.0, []),
        ({NUMERATOR: 30, DENOMINATOR: 0}, None, []),
        ({NUMERATOR: 30, DENOMINATOR: None}, None, []),
        ({VALUE: 8.5, NUMERATOR: None, DENOMINATOR: None}, None, []),
        ({NUMERATOR: None, DENOMINATOR: 1000}, None, [("missing_value", "D", None, "ST_SPEND_SHARE")]),
        ({NUMERATOR: "x", DENOMINATOR: 1000}, None, [("not_a_number", "D", None, "ST_SPEND_SHARE")]),
        ({NUMERATOR: None, DENOMINATOR: None}, "absent", [("missing_value", "C", None, "ST_SPEND_SHARE")]),
    ],
)
def test_ratio_rows(catalog, given: dict, value: object, problems: list) -> None:
    sheet = grid(catalog)
    for column, written in given.items():
        set_cell(sheet, "ST_SPEND_SHARE", column, written)
    n = excel_row(sheet, "ST_SPEND_SHARE")
    sub = one("c.xlsx", xlsx(sheet), catalog)
    assert found(sub) == [(rule, f"{col}{n}", line, code) for rule, col, line, code in problems]
    rows = {r.indicator_code: r for r in sub.rows}
    assert (rows["ST_SPEND_SHARE"].value if "ST_SPEND_SHARE" in rows else "absent") == value


def test_flow_ignores_numerator_and_denominator(catalog) -> None:
    sheet = set_cell(set_cell(grid(catalog), "HTE_APPLY", NUMERATOR, "x"), "HTE_APPLY", DENOMINATOR, 3)
    sub = one("c.xlsx", xlsx(sheet), catalog)
    row = next(r for r in sub.rows if r.indicator_code == "HTE_APPLY")
    assert (found(sub), row.value, row.numerator, row.denominator) == ([], 10, None, None)


# --- formulas -----------------------------------------------------------------------------------------


def test_formula_without_cached_value(catalog) -> None:
    sheet = set_cell(grid(catalog), "HTE_APPLY", VALUE, "=2+3")
    n = excel_row(sheet, "HTE_APPLY")
    sub = one("c.xlsx", xlsx(sheet), catalog)
    row = next(r for r in sub.rows if r.indicator_code == "HTE_APPLY")
    assert found(sub) == [("formula_without_value", f"C{n}", None, "HTE_APPLY")]
    assert (row.value, row.invalid_fields) == (None, {"value"})


def test_formula_with_cached_value(catalog) -> None:
    sheet = set_cell(grid(catalog), "HTE_APPLY", VALUE, "=2+3")
    n = excel_row(sheet, "HTE_APPLY")
    data = edit_xml(xlsx(sheet), f'(<c r="C{n}"[^>]*><f>2\\+3</f>)<v\\s*/>', r"\1<v>5</v>")
    sub = one("c.xlsx", data, catalog)
    assert (value_of(sub, "HTE_APPLY"), found(sub)) == (5.0, [])


def test_formula_with_error_value(catalog) -> None:
    sheet = set_cell(grid(catalog), "HTE_APPLY", VALUE, "=1/0")
    n = excel_row(sheet, "HTE_APPLY")
    data = edit_xml(
        xlsx(sheet), f'<c r="C{n}"([^>]*)><f>1/0</f><v\\s*/>', f'<c r="C{n}" t="e"><f>1/0</f><v>#DIV/0!</v>'
    )
    assert found(one("c.xlsx", data, catalog)) == [("not_a_number", f"C{n}", None, "HTE_APPLY")]


def test_formula_found_through_relative_targets_and_prefixed_xml(catalog) -> None:
    sheet = set_cell(grid(catalog), "HTE_APPLY", VALUE, "=2+3")
    n = excel_row(sheet, "HTE_APPLY")
    data = edit_xml(xlsx(sheet), r'Target="/xl/(worksheets/[^"]+)"', r'Target="\1"',
                    part="xl/_rels/workbook.xml.rels")
    data = edit_xml(data, r"<(/?)(worksheet|sheetData|row|c|f|v)\b", r"<\1x:\2", count=0)
    data = edit_xml(data, r"<x:worksheet xmlns=", "<x:worksheet xmlns:x=")
    assert found(one("c.xlsx", data, catalog)) == [("formula_without_value", f"C{n}", None, "HTE_APPLY")]


@pytest.mark.parametrize(("row", "column", "cell"), [(1, 1, "B1"), (2, 1, "B2")])
def test_formula_in_metadata(catalog, row: int, column: int, cell: str) -> None:
    sheet = grid(catalog)
    sheet[row - 1][column] = '="C0"&"3"'
    assert found(one("c.xlsx", xlsx(sheet), catalog)) == [("formula_without_value", cell, None, None)]


# --- one test per structural rule --------------------------------------------------------------------


def _unknown_unit(cat):
    return grid(cat, unit="X99", rows=filled_rows(cat, "C03")), ("unknown_unit", "B1", None, None)


def _unknown_indicator(cat):
    sheet = grid(cat, rows=[*filled_rows(cat, "C03"), ["NO_SUCH", None, 5]])
    return sheet, ("unknown_indicator", f"A{len(sheet)}", None, "NO_SUCH")


def _not_applicable(cat):
    sheet = grid(cat, unit="P01", rows=[*filled_rows(cat, "P01"), ["ST_SPEND_SHARE", None, None, 1, 10]])
    return sheet, ("not_applicable", f"D{len(sheet)}", None, "ST_SPEND_SHARE")


def _duplicate(cat):
    sheet = grid(cat, rows=[*filled_rows(cat, "C03"), ["HTE_APPLY", None, 11]])
    return sheet, ("duplicate_indicator", f"A{len(sheet)}", None, "HTE_APPLY")


def _missing_row(cat):
    return grid(cat, rows=filled_rows(cat, "C03", skip=["TSME_REG"])), (
        "missing_value",
        None,
        None,
        "TSME_REG",
    )


def _not_a_number(cat):
    sheet = set_cell(grid(cat), "TALENT_INTRO", VALUE, "十二")
    return sheet, ("not_a_number", f"C{excel_row(sheet, 'TALENT_INTRO')}", None, "TALENT_INTRO")


STRUCTURAL = [_unknown_unit, _unknown_indicator, _not_applicable, _duplicate, _missing_row, _not_a_number]


@pytest.mark.parametrize("case", STRUCTURAL, ids=[c.__name__.strip("_") for c in STRUCTURAL])
def test_structural_rule(catalog, case) -> None:
    sheet, expected = case(catalog)
    sub = one("c.xlsx", xlsx(sheet), catalog)
    assert found(sub) == [expected]
    assert sub.status == "rejected"


@pytest.mark.parametrize(
    ("case", "code"),
    [(_unknown_indicator, "NO_SUCH"), (_not_applicable, "ST_SPEND_SHARE"), (_duplicate, "HTE_APPLY")],
)
def test_rows_flagged_for_indicator_problems(catalog, case, code: str) -> None:
    sub = one("c.xlsx", xlsx(case(catalog)[0]), catalog)
    flagged = [r for r in sub.rows if r.indicator_code == code][-1]
    assert flagged.invalid_fields == {"indicator_code"}


def test_not_applicable_needs_a_figure(catalog) -> None:
    sheet = grid(catalog, unit="P01", rows=[*filled_rows(catalog, "P01"), ["ST_SPEND_SHARE", "%", "-"]])
    assert found(one("p.xlsx", xlsx(sheet), catalog)) == []


def test_unknown_unit_still_checks_everything_else(catalog) -> None:
    sheet = grid(catalog, unit="Z1", period="2027-05", rows=[["HTE_APPLY", None, "abc"], ["NOPE", None, 1]])
    sub = one("z.xlsx", xlsx(sheet), catalog)
    assert found(sub) == [
        ("unknown_unit", "B1", None, None),
        ("future_period", "B2", None, None),
        ("not_a_number", "C5", None, "HTE_APPLY"),
        ("unknown_indicator", "A6", None, "NOPE"),
    ]


def test_every_problem_is_reported(catalog) -> None:
    sheet = grid(catalog, period="2026-13", rows=filled_rows(catalog, "C03", skip=["HTE_TOTAL"]))
    set_cell(sheet, "HTE_APPLY", VALUE, "n/a")
    set_cell(sheet, "TECH_CONTRACT", UNIT, "美元")
    sheet += [["HTE_APPLY", None, 1], ["BOGUS", None, 1]]
    rules = sorted(str(p.rule) for p in one("c.xlsx", xlsx(sheet), catalog).problems)
    assert rules == [
        "bad_period",
        "duplicate_indicator",
        "missing_value",
        "not_a_number",
        "unit_mismatch",
        "unknown_indicator",
    ]


# --- unreadable files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("c.xlsx", b""),
        ("c.csv", b"  \r\n"),
        ("c.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024)),
        ("c.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024)),
        ("c.pdf", b"%PDF-1.7\n1 0 obj\n"),
        ("c.xlsx", b"PK\x03\x04 truncated zip"),
        ("c.xlsx", b"unit_code,period\nC01,2026-09\n"),
        ("c.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("noext", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64)),
    ],
)
def test_unreadable_file(catalog, name: str, data: bytes) -> None:
    sub = one(name, data, catalog)
    assert (found(sub), sub.rows, sub.file) == ([("unreadable_file", None, None, None)], [], name)


def test_zip_that_is_not_a_workbook_is_unreadable(catalog, tmp_path) -> None:
    import zipfile

    with zipfile.ZipFile(tmp_path / "doc.zip", "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    data = (tmp_path / "doc.zip").read_bytes()
    assert found(one("c.xlsx", data, catalog)) == [("unreadable_file", None, None, None)]


@pytest.mark.parametrize(("limit", "rule"), [("0.001", ["unreadable_file"]), ("5", [])])
def test_size_limit(catalog, monkeypatch, limit: str, rule: list) -> None:
    monkeypatch.setenv("SCORECARD_MAX_FILE_MB", limit)
    assert [str(p.rule) for p in one("c.xlsx", xlsx(grid(catalog)), catalog).problems] == rule


def test_form_is_sniffed_without_a_known_suffix(catalog) -> None:
    assert one("s3://inbox/upload-17", xlsx(grid(catalog)), catalog).form == "xlsx"
    assert (
        parse_file("s3://inbox/upload-18", csv_bytes(csv_records(catalog)), catalog, TODAY)[0].form == "csv"
    )


# --- CSV (§2.2) --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", ""), ("utf-8-sig", ""), ("gb18030", ""), ("gb18030", "\ufeff"), ("utf-16", "")],
)
def test_csv_encodings_and_chinese_header(catalog, encoding: str, bom: str) -> None:
    header = [f"{bom}单位代码", "报告期", "指标代码", "数值", "分子", "分母", "备注"]
    records = csv_records(catalog)
    records[0][6] = "含南湖园区"
    sub = one("c.csv", csv_bytes(records, header, encoding), catalog)
    assert (sub.form, sub.unit_code, sub.period, found(sub)) == ("csv", "C03", "2026-09", [])
    assert (sub.rows[0].line, sub.rows[0].note, sub.rows[0].cells) == (2, "含南湖园区", {})


def test_csv_groups_in_first_appearance_order(catalog) -> None:
    first, second = csv_records(catalog, "P02", "2026-08"), csv_records(catalog, "C01", "2026-08")
    third = csv_records(catalog, "P02", "2026-09")
    mixed = [second[0], *first[:3], *second[1:], *third, *first[3:]]
    mixed[5][1] = "2026/8"  # the same group spelt differently
    subs = parse_file("all.csv", csv_bytes(mixed), catalog, TODAY)
    assert [(s.unit_code, s.period) for s in subs] == [
        ("C01", "2026-08"),
        ("P02", "2026-08"),
        ("P02", "2026-09"),
    ]
    assert all(found(s) == [] for s in subs)
    assert [r.line for r in subs[1].rows[:3]] == [3, 4, 5]


def test_csv_lines_are_physical(catalog) -> None:
    records = csv_records(catalog)
    records[0][6] = "第一行\n第二行"
    records[2][3] = "abc"
    data = csv_bytes(records[:2]) + b"\r\n" + csv_bytes(records[2:], header=[])[2:]
    sub = one("c.csv", data, catalog)
    assert found(sub) == [("not_a_number", None, 6, records[2][2])]


def test_csv_optional_columns(catalog) -> None:
    header = ["Unit_Code", "PERIOD", "indicator_code", "value", "计量单位", "填报时间"]
    records = [
        [r[0], r[1], r[2], r[3], "", "2026-10-03 09:00"]
        for r in csv_records(catalog)
        if r[2] != "ST_SPEND_SHARE"
    ]
    records[4][3], records[4][4] = "350000000", "元"
    sub = one("c.txt", csv_bytes(records, header), catalog)
    assert found(sub) == [("missing_value", None, None, "ST_SPEND_SHARE")]
    assert (sub.submitted_at, value_of(sub, records[4][2])) == (datetime(2026, 10, 3, 9), 35000.0)


@pytest.mark.parametrize(("blank", "expected_unit"), [(0, None), (1, "C03")])
def test_csv_rows_without_unit_or_period(catalog, blank: int, expected_unit: str | None) -> None:
    records = csv_records(catalog)
    records[3][blank] = ""
    subs = parse_file("c.csv", csv_bytes(records), catalog, TODAY)
    lacking = [s for s in subs if ("missing_metadata", None, 5, None) in found(s)]
    assert len(subs) == 2 and len(lacking) == 1
    assert lacking[0].unit_code == expected_unit


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (csv_bytes([], header=["unit_code", "period", "value"]), [("missing_metadata", None, 1, None)]),
        (csv_bytes([]), [("missing_metadata", None, None, None)]),
    ],
)
def test_csv_header_problems(catalog, data: bytes, expected: list) -> None:
    assert found(one("c.csv", data, catalog)) == expected


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2026-13", [("bad_period", None, 2, None)]),
        ("2027-01", [("future_period", None, 2, None)]),
    ],
)
def test_csv_period_problems(catalog, period: str, expected: list) -> None:
    sub = one("c.csv", csv_bytes(csv_records(catalog, period=period)), catalog)
    assert found(sub) == expected


def test_csv_structural_rules_name_lines(catalog) -> None:
    records = csv_records(catalog, "P01")
    records += [
        ["P01", "2026-09", "ST_SPEND_SHARE", "", 1, 10, ""],
        ["P01", "2026-09", "HTE_APPLY", 3, "", "", ""],
        ["P01", "2026-09", "ZZZ", 3, "", "", ""],
    ]
    n = len(records) + 1
    assert found(one("p.csv", csv_bytes(records), catalog)) == [
        ("not_applicable", None, n - 2, "ST_SPEND_SHARE"),
        ("duplicate_indicator", None, n - 1, "HTE_APPLY"),
        ("unknown_indicator", None, n, "ZZZ"),
    ]


# --- helpers others use -----------------------------------------------------------------------------------
