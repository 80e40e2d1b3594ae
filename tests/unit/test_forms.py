"""The blank submission form: its layout, and that a filled form parses back to exactly what was typed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import TODAY

from scorecard import forms
from scorecard.parsing import parse_file


def _fill(path: Path, catalog) -> dict[str, tuple[float | None, float | None, float | None]]:
    """Type a distinct figure into every indicator row; returns code -> (value, numerator, denominator)."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book[forms.SHEET]
    typed = {}
    for n, row in enumerate(sheet.iter_rows(min_row=forms.HEADER_ROW + 1), start=1):
        code = row[0].value
        if catalog.indicators[code].kind == "ratio":
            row[4].value, row[5].value = 12.5 * n, 1000 + n
            typed[code] = (100 * (12.5 * n) / (1000 + n), 12.5 * n, 1000.0 + n)
        else:
            row[3].value = 3 * n + 0.25
            typed[code] = (3 * n + 0.25, None, None)
    sheet["B3"] = "2026-10-05 09:30"
    sheet["B4"] = "李明"
    book.save(path)
    return typed


@pytest.mark.parametrize(("unit", "period"), [("C03", "2026-10"), ("P01", "2026-01"), ("C01", "2025-12")])
def test_filled_template_parses_back(tmp_path: Path, catalog, unit: str, period: str) -> None:
    path = forms.write_template(catalog, unit, period, tmp_path / "form.xlsx")
    typed = _fill(path, catalog)
    [sub] = parse_file(str(path), path.read_bytes(), catalog, TODAY)
    assert sub.problems == []
    assert all(r.note is None for r in sub.rows)
    assert (sub.unit_code, sub.period, sub.contact, sub.sheet) == (unit, period, "李明", "填报表")
    assert {r.indicator_code: (r.value, r.numerator, r.denominator) for r in sub.rows} == typed


@pytest.mark.parametrize("unit", ["C03", "P02"])
def test_blank_template_lists_the_applicable_indicators(tmp_path: Path, catalog, unit: str) -> None:
    path = forms.write_template(catalog, unit, "2026-10", tmp_path / "blank.xlsx")
    [sub] = parse_file(str(path), path.read_bytes(), catalog, TODAY)
    applicable = catalog.applicable(catalog.units[unit])
    required = {i.code for i in applicable if i.required}
    assert sub.rows == []
    assert {(str(p.rule), p.indicator_code) for p in sub.problems} == {("missing_value", c) for c in required}
    assert all(p.cell for p in sub.problems), "each missing figure points at its empty value cell"
    assert [i.code for i in forms.template_indicators(catalog, unit)] == [i.code for i in applicable]


def test_template_layout(tmp_path: Path, catalog) -> None:
    from openpyxl import load_workbook

    path = forms.write_template(catalog, "C03", "2026-10", tmp_path / "sub" / "C03.xlsx")
    sheet = load_workbook(path)[forms.SHEET]
    header = [c.value for c in sheet[forms.HEADER_ROW]]
    first, last = forms.HEADER_ROW + 1, sheet.max_row
    assert [sheet[f"A{r}"].value for r in range(1, 5)] == ["单位代码", "报告期", "填报时间", "填报人"]
    assert (sheet["B1"].value, sheet["B2"].value, sheet["B2"].number_format) == ("C03", "2026-10", "@")
    assert (sheet["B3"].value, sheet["B4"].value) == (None, None)
    assert header[:6] == ["指标代码", "指标名称", "计量单位", "数值", "分子", "分母"]
    assert sheet.freeze_panes == f"C{first}"
    assert [str(r) for dv in sheet.data_validations.dataValidation for r in dv.sqref.ranges] == [
        f"D{first}:F{last}"
    ]
    rule = sheet.data_validations.dataValidation[0]
    assert (rule.type, rule.operator, rule.formula1) == ("decimal", "greaterThanOrEqual", "0")
    by_code = {sheet[f"A{r}"].value: r for r in range(first, last + 1)}
    money = by_code["TECH_CONTRACT"]
    assert (sheet[f"C{money}"].value, sheet[f"D{money}"].number_format) == ("万元", "#,##0.00")
    assert sheet[f"I{money}"].value == catalog.indicators["TECH_CONTRACT"].name_en
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["C"].width
    assert sheet[f"A{forms.HEADER_ROW}"].font.bold
    assert "分子" in sheet[f"D{by_code['ST_SPEND_SHARE']}"].comment.text


BASIS = {"flow": "本年累计", "stock": "期末数", "ratio": "分子、分母"}


@pytest.mark.parametrize("unit", ["C03", "P02"])
def test_each_row_says_what_figure_it_wants(tmp_path: Path, catalog, unit: str) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(forms.write_template(catalog, unit, "2026-10", tmp_path / "f.xlsx"))[forms.SHEET]
    assert sheet.cell(forms.HEADER_ROW, 10).value.startswith("填报口径")
    rows = range(forms.HEADER_ROW + 1, sheet.max_row + 1)
    basis = {sheet[f"A{r}"].value: sheet[f"J{r}"].value for r in rows}
    assert basis and all(BASIS[catalog.indicators[code].kind] in text for code, text in basis.items())


def test_only_the_cells_to_fill_are_unlocked(tmp_path: Path, catalog) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(forms.write_template(catalog, "C03", "2026-10", tmp_path / "f.xlsx"))[forms.SHEET]
    assert sheet.protection.sheet and not sheet.protection.password
    first = forms.HEADER_ROW + 1
    unlocked = {c.coordinate for row in sheet.iter_rows() for c in row if not c.protection.locked}
    assert {"B2", "B3", "B4", f"D{first}", f"E{first}", f"F{first}", f"G{first}"} <= unlocked
    assert not unlocked & {"A1", "B1", f"A{first}", f"B{first}", f"C{first}", f"H{first}", f"J{first}"}


def test_rows_follow_the_form_not_the_code_order(tmp_path: Path, catalog) -> None:
    """The warehouse hands the catalog back sorted by code: the form keeps the catalog file's order."""
    import dataclasses

    by_code = dataclasses.replace(catalog, indicators=dict(sorted(catalog.indicators.items())))
    form = [i.code for i in catalog.applicable(catalog.units["C03"])]
    assert [i.code for i in forms.template_indicators(by_code, "C03")] == form
    assert form != sorted(form)


@pytest.mark.parametrize(
    ("unit", "period", "message"),
    [
        ("X9", "2026-10", "unknown unit_code 'X9'"),
        ("C03", "2026-13", "period '2026-13'"),
        ("C03", "1999-01", "period '1999-01'"),
    ],
)
def test_template_rejects_bad_arguments(
    tmp_path: Path, catalog, unit: str, period: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        forms.write_template(catalog, unit, period, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_template_command(tmp_path: Path, sqlite_url: str, catalog, monkeypatch) -> None:
    from typer.testing import CliRunner

    from scorecard.cli import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app, ["template", "--unit", "P01", "--period", "2026-09", "--db", sqlite_url, "--json"]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    applicable = [i.code for i in catalog.applicable(catalog.units["P01"])]
    assert answer == {
        "file": "P01_2026-09.xlsx",
        "unit_code": "P01",
        "period": "2026-09",
        "indicators": answer["indicators"],
    }
    assert answer["indicators"] == applicable, "the form's order, not the warehouse's (by code)"
    [sub] = parse_file(answer["file"], (tmp_path / answer["file"]).read_bytes(), catalog, TODAY)
    assert (sub.unit_code, sub.period) == ("P01", "2026-09")


@pytest.mark.parametrize(("lang", "words"), [([], "空白填报表"), (["--lang", "en"], "blank form for C03")])
def test_template_command_speaks_chinese_unless_asked(tmp_path: Path, sqlite_url: str, lang: list[str],
                                                      words: str) -> None:
    from typer.testing import CliRunner

    from scorecard.cli import app

    result = CliRunner().invoke(app, ["template", "--unit", "C03", "--period", "2026-09", "--out",
                                      str(tmp_path / "t.xlsx"), "--db", sqlite_url, *lang])
    assert result.exit_code == 0, result.output
    assert words in result.stderr


@pytest.mark.parametrize(
    "args", [["--unit", "C03", "--period", "next month"], ["--unit", "C03", "--period", "2026/9"],
             ["--unit", "NOPE", "--period", "2026-10"]]
)
def test_template_command_fails_cleanly(tmp_path: Path, sqlite_url: str, args: list[str]) -> None:
    from typer.testing import CliRunner

    from scorecard.cli import app

    result = CliRunner().invoke(
        app, ["template", *args, "--out", str(tmp_path / "t.xlsx"), "--db", sqlite_url, "--json"]
    )
    assert result.exit_code == 2
    assert "error" in json.loads(result.stdout)
    assert not (tmp_path / "t.xlsx").exists()


def test_catalog_text_is_written_as_text(tmp_path: Path, catalog) -> None:
    """Names that look like formulas stay text: the form holds no formula, and still parses."""
    import dataclasses
    import re
    import zipfile

    from openpyxl import load_workbook

    code = "HTE_APPLY"
    odd = dataclasses.replace(catalog, units={**catalog.units, "C03": dataclasses.replace(
        catalog.units["C03"], name_zh="=1+1")}, indicators={**catalog.indicators, code: dataclasses.replace(
        catalog.indicators[code], name_zh="=cmd|' /C calc'!A0", name_en='=HYPERLINK("http://x","y")')})
    path = forms.write_template(odd, "C03", "2026-10", tmp_path / "form.xlsx")
    with zipfile.ZipFile(path) as archive:
        assert not re.search(rb"<f[\s>/]", archive.read("xl/worksheets/sheet1.xml"))
    sheet = load_workbook(path)[forms.SHEET]
    row = next(r for r in range(forms.HEADER_ROW + 1, sheet.max_row + 1) if sheet[f"A{r}"].value == code)
    assert [(sheet[ref].value, sheet[ref].data_type) for ref in ("C1", f"B{row}", f"I{row}")] == [
        ("=1+1", "s"), ("=cmd|' /C calc'!A0", "s"), ('=HYPERLINK("http://x","y")', "s")]
    [sub] = parse_file(str(path), path.read_bytes(), odd, TODAY)
    assert sub.unit_code == "C03" and {p.rule for p in sub.problems} == {"missing_value"}
