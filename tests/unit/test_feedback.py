"""The feedback workbook of a rejected file: marks and the problem list, no live formula, bounded size."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from xml.sax.saxutils import escape

import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment
from support import TODAY
from support.submission_files import (
    CSV_HEADER,
    csv_bytes,
    csv_records,
    edit_xml,
    excel_row,
    grid,
    set_cell,
    xlsx,
)

from scorecard import feedback, forms
from scorecard.catalog import Catalog
from scorecard.labels import RULE_HINTS, RULE_HINTS_EN
from scorecard.model import ParsedSubmission, Problem
from scorecard.parsing import parse_file
from scorecard.vocabulary import Rule

PAYLOADS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", '=HYPERLINK("http://x","y")']
FORMULA = re.compile(rb"<f[\s>/]")
VALUE, NOTE = 2, 5  # columns of parsing_cases.HEADER
CSV_VALUE, CSV_NOTE = CSV_HEADER.index("value"), CSV_HEADER.index("note")


def parse(name: str, data: bytes, cat: Catalog) -> list[ParsedSubmission]:
    return parse_file(name, data, cat, TODAY)


def build(name: str, data: bytes, cat: Catalog) -> tuple[bytes, list[ParsedSubmission]]:
    subs = parse(name, data, cat)
    book = feedback.feedback_workbook(data, subs)
    assert book is not None
    return book, subs


def worksheet_parts(book: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        return {n: archive.read(n) for n in archive.namelist()
                if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n)}


def assert_no_formula(book: bytes) -> None:
    parts = worksheet_parts(book)
    assert parts
    assert {n: FORMULA.findall(xml) for n, xml in parts.items() if FORMULA.search(xml)} == {}


def assert_text(sheet, ref: str, expected: str) -> None:
    cell = sheet[ref]
    assert (cell.value, cell.data_type) == (expected, "s")


def flow_code(cat: Catalog, unit: str = "C03") -> str:
    """An indicator of ``unit`` whose figure is its value (not a ratio)."""
    return next(i.code for i in cat.applicable(cat.units[unit]) if i.kind != "ratio")


def flow_line(records: list[list[object]], code: str) -> int:
    """The CSV line (after the header on line 1) of the record of ``code``."""
    return next(n for n, r in enumerate(records, start=2) if r[2] == code)


# --- every text stays text ---------------------------------------------------------------------------

# a place for the payload: (file name, file bytes, [(sheet, cell, text the cell must read)])
Case = tuple[str, bytes, list[tuple[str, str, str]]]


def in_csv_cell(cat: Catalog, payload: str) -> Case:
    """The payload as a figure, and as the unit code on line 2 (so also first in the problem list)."""
    records = csv_records(cat)
    code = flow_code(cat)
    records[flow_line(records, code) - 2][CSV_VALUE] = payload
    records.insert(0, [payload, "2026-09", code, "1", "", "", ""])
    return "c.csv", csv_bytes(records), [
        (feedback.DATA_SHEET, f"D{flow_line(records[1:], code) + 1}", payload),
        (feedback.DATA_SHEET, "A2", payload), (feedback.PROBLEMS_SHEET, "A2", payload)]


def in_csv_note(cat: Catalog, payload: str) -> Case:
    records = csv_records(cat)
    records[0][CSV_NOTE] = payload
    records[1][CSV_VALUE] = "many"
    return "c.csv", csv_bytes(records), [(feedback.DATA_SHEET, "G2", payload)]


def in_workbook_text(cat: Catalog, payload: str) -> Case:
    """The payload as the text of a value cell and of a note (as Excel keeps a text typed as '=…)."""
    sheet = grid(cat)
    code = flow_code(cat)
    set_cell(sheet, code, VALUE, "PAYLOAD")
    set_cell(sheet, code, NOTE, "PAYLOAD")
    row = excel_row(sheet, code)
    data = edit_xml(xlsx(sheet), "<t>PAYLOAD</t>", f"<t>{escape(payload)}</t>", count=2)
    return "c.xlsx", data, [("填报表", f"C{row}", payload), ("填报表", f"F{row}", payload)]


def in_workbook_formula(cat: Catalog, payload: str) -> Case:
    """A value cell holding the payload as a formula, with the payload as the text Excel cached for it."""
    sheet = grid(cat)
    code = flow_code(cat)
    set_cell(sheet, code, VALUE, "=" + payload.removeprefix("="))
    ref = f"C{excel_row(sheet, code)}"
    data = edit_xml(xlsx(sheet), rf'<c r="{ref}"><f>(.*?)</f><v\s*/>',
                    rf'<c r="{ref}" t="str"><f>\1</f><v>{escape(payload)}</v>')
    return "c.xlsx", data, [("填报表", ref, payload)]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("place", [in_csv_cell, in_csv_note, in_workbook_text, in_workbook_formula])
def test_outside_text_is_never_a_formula(catalog, place: Callable[[Catalog, str], Case],
                                         payload: str) -> None:
    name, data, expected = place(catalog, payload)
    book, subs = build(name, data, catalog)
    assert any(s.errors for s in subs)
    assert_no_formula(book)
    opened = load_workbook(io.BytesIO(book))
    for sheet, ref, text in expected:
        assert_text(opened[sheet], ref, text)


def test_the_copy_keeps_values_not_formulas_or_names(catalog) -> None:
    """Shared, array and data-table formulas all become the values Excel cached; no name survives."""
    sheet = grid(catalog, rows=[["HTE_APPLY", None, 1], ["TSME_REG", None, 2], ["PLATFORM_NEW", None, 3],
                                ["NO_SUCH", None, "x"]])
    sheet[1].append(7)  # C2: the row of 报告期
    data = xlsx(sheet)
    data = edit_xml(data, r'<c r="C5" t="n"><v>1</v></c>',
                    '<c r="C5"><f t="shared" ref="C5:C6" si="0">1+0</f><v>1</v></c>')
    data = edit_xml(data, r'<c r="C6" t="n"><v>2</v></c>', '<c r="C6"><f t="shared" si="0"/><v>2</v></c>')
    data = edit_xml(data, r'<c r="C7" t="n"><v>3</v></c>',
                    '<c r="C7"><f t="array" ref="C7">SUM({1,2})</f><v>3</v></c>')
    data = edit_xml(data, r'<c r="C2" t="n"><v>7</v></c>',
                    '<c r="C2"><f t="dataTable" ref="C2" dt2D="0" dtr="0" r1="A1"/><v>7</v></c>')
    data = edit_xml(data, "<definedNames />", "<definedNames>"
                    "<definedName name=\"Calc\">cmd|' /C calc'!A0</definedName>"
                    "<definedName name=\"Local\" localSheetId=\"0\">cmd|' /C calc'!A0</definedName>"
                    "</definedNames>", part="xl/workbook.xml")
    assert len(FORMULA.findall(worksheet_parts(data)["xl/worksheets/sheet1.xml"])) == 4
    book, _ = build("c.xlsx", data, catalog)
    assert_no_formula(book)
    values = load_workbook(io.BytesIO(book))["填报表"]
    assert [values[ref].value for ref in ("C2", "C5", "C6", "C7")] == [7, 1, 2, 3]
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        assert b"cmd|" not in archive.read("xl/workbook.xml")


def test_control_characters_do_not_lose_the_feedback(catalog) -> None:
    records = csv_records(catalog)
    records[0][CSV_NOTE] = "a\x01b"
    records[1][CSV_VALUE] = "x\x1fy"
    book, _ = build("c.csv", csv_bytes(records), catalog)
    data = load_workbook(io.BytesIO(book))[feedback.DATA_SHEET]
    assert (data["G2"].value, data["D3"].value) == ("a\ufffdb", "x\ufffdy")


# --- marks and the problem list ----------------------------------------------------------------------


def comment(cell) -> str:
    assert cell.comment is not None, f"{cell.coordinate} has no comment"
    return cell.comment.text


def test_workbook_cells_are_marked_and_problems_listed_first(catalog) -> None:
    sheet = grid(catalog)
    code = flow_code(catalog)
    set_cell(sheet, code, VALUE, "many")
    kept = load_workbook(io.BytesIO(xlsx(sheet)))
    ref = f"C{excel_row(sheet, code)}"
    kept["填报表"][ref].comment = Comment("the clerk's own note", "clerk")
    out = io.BytesIO()
    kept.save(out)
    book, [sub] = build("c.xlsx", out.getvalue(), catalog)
    opened = load_workbook(io.BytesIO(book))
    assert opened.sheetnames == [feedback.PROBLEMS_SHEET, "填报表"]
    cell = opened["填报表"][ref]
    assert cell.fill.start_color.rgb.endswith(feedback.HIGHLIGHT)
    text = comment(cell)
    assert text.startswith("the clerk's own note") and "[not_a_number]" in text
    assert "不是数字" in text and "is not a number" in text
    rows = [[c.value for c in row] for row in opened[feedback.PROBLEMS_SHEET].iter_rows()]
    assert rows[0] == feedback.HEADER
    assert [(r[0], r[1], r[2], r[8]) for r in rows[1:]] == [
        (sub.unit_code, sub.period, str(p.rule), p.cell) for p in sub.problems]


def test_the_copy_sent_back_is_read_from_the_clerks_sheet_whatever_its_name(catalog) -> None:
    """The problem list comes first in the feedback: the copy, fixed and sent back, is still read from the
    clerk's own sheet, not from the problem list."""
    sheet = grid(catalog)
    code = flow_code(catalog)
    set_cell(sheet, code, VALUE, "many")
    book, _ = build("c.xlsx", xlsx(sheet, title="Sheet1"), catalog)
    fixed = load_workbook(io.BytesIO(book))
    assert fixed.sheetnames == [feedback.PROBLEMS_SHEET, "Sheet1"]
    fixed["Sheet1"][f"C{excel_row(sheet, code)}"] = 12
    out = io.BytesIO()
    fixed.save(out)

    [sub] = parse("c.xlsx", out.getvalue(), catalog)

    assert sub.sheet == "Sheet1" and sub.problems == []
    assert {r.indicator_code: r.value for r in sub.rows}[code] == 12


def test_csv_lines_are_marked_on_their_own_line(catalog) -> None:
    """A note running over two lines moves the next records one line down: each stays at its line."""
    records = csv_records(catalog)
    records[0][CSV_NOTE] = "two\nlines"
    records[1][CSV_VALUE] = "many"
    book, subs = build("c.csv", csv_bytes(records), catalog)
    [problem] = [p for s in subs for p in s.problems]
    assert problem.line == 4
    opened = load_workbook(io.BytesIO(book))
    data = opened[feedback.DATA_SHEET]
    assert [data["G2"].value, data["A3"].value, data["D4"].value] == ["two\nlines", None, "many"]
    assert [data.cell(4, c).fill.start_color.rgb[-6:] for c in range(1, 8)] == [feedback.HIGHLIGHT] * 7
    assert data["A2"].fill.fill_type is None and data["A2"].comment is None
    assert "[not_a_number]" in comment(data["A4"])
    assert data.max_row == len(records) + 2


# --- what a clerk needs to fix it in one pass ------------------------------------------------------------


def problem_rows(book: bytes) -> list[dict[str, object]]:
    """The problems sheet's rows as {heading: cell}."""
    sheet = load_workbook(io.BytesIO(book))[feedback.PROBLEMS_SHEET]
    rows = list(sheet.iter_rows())
    return [{h: c for h, c in zip(feedback.HEADER, row, strict=False)} for row in rows[1:]]


def test_each_problem_says_severity_where_what_and_how_to_fix(catalog) -> None:
    sheet = grid(catalog)
    code = flow_code(catalog)
    set_cell(sheet, code, VALUE, "many")
    ref = f"C{excel_row(sheet, code)}"
    book, [sub] = build("c.xlsx", xlsx(sheet), catalog)
    [row] = problem_rows(book)
    severity, location, indicator, message, fix = (row[h] for h in feedback.HEADER[3:8])
    assert severity.value.startswith("错误") and "error" in severity.value
    assert severity.fill.start_color.rgb.endswith(feedback.HIGHLIGHT)
    assert ref in location.value and location.hyperlink.location == f"'填报表'!{ref}"
    assert indicator.value == code
    assert "不是数字" in message.value and "is not a number" in message.value
    assert fix.value == f"{RULE_HINTS[Rule.NOT_A_NUMBER]}\n{RULE_HINTS_EN[Rule.NOT_A_NUMBER]}"
    assert RULE_HINTS[Rule.NOT_A_NUMBER] in comment(load_workbook(io.BytesIO(book))["填报表"][ref])


def test_a_warning_reads_as_a_warning(catalog) -> None:
    sub = ParsedSubmission("c.csv", "csv", "C03", "2026-09", problems=[
        Problem(Rule.NOT_A_NUMBER, "错", "wrong", line=2, indicator_code="HTE_APPLY"),
        Problem(Rule.LARGE_CHANGE, "变动大", "large change", line=2, indicator_code="HTE_APPLY")])
    book = feedback.feedback_workbook(csv_bytes(csv_records(catalog)), [sub])
    assert book is not None
    error, warning = problem_rows(book)
    severity = warning["严重程度 severity"]
    assert severity.value.startswith("提示") and "warning" in severity.value
    assert severity.fill.start_color.rgb.endswith(feedback.WARNING_FILL)
    assert error["位置 location"].hyperlink.location == f"'{feedback.DATA_SHEET}'!A2"


def test_a_missing_indicator_gets_a_row_to_fill(catalog) -> None:
    """The marked copy gains a row for the indicator, its figure marked; filled in, the copy is accepted."""
    from support.submission_files import filled_rows

    code = flow_code(catalog)
    rows = filled_rows(catalog, "C03", skip=[code])
    sheet = grid(catalog, rows=rows)
    book, [sub] = build("c.xlsx", xlsx(sheet), catalog)
    assert [(str(p.rule), p.cell) for p in sub.problems] == [("missing_value", None)]
    added = len(sheet) + 1
    [row] = problem_rows(book)
    assert row["位置 location"].hyperlink.location == f"'填报表'!C{added}"
    copy = load_workbook(io.BytesIO(book))
    table = copy["填报表"]
    assert table[f"A{added}"].value == code and "[missing_value]" in comment(table[f"C{added}"])
    table[f"C{added}"] = 7
    out = io.BytesIO()
    copy.save(out)
    [fixed] = parse("c.xlsx", out.getvalue(), catalog)
    assert fixed.problems == []


def test_csv_figures_are_numbers_and_a_missing_indicator_gets_a_line(catalog) -> None:
    records = csv_records(catalog)
    code = records[-1][2]
    records = records[:-1]
    book, [sub] = build("c.csv", csv_bytes(records), catalog)
    assert [str(p.rule) for p in sub.problems] == ["missing_value"]
    data = load_workbook(io.BytesIO(book))[feedback.DATA_SHEET]
    figures = [data.cell(n, CSV_VALUE + 1).value for n in range(2, len(records) + 2)]
    assert all(isinstance(v, int | float) or v is None for v in figures) and any(figures)
    assert data.cell(1, CSV_VALUE + 1).value == "value"
    added = len(records) + 2
    assert [data.cell(added, c).value for c in (1, 2, 3)] == ["C03", "2026-09", code]
    assert "[missing_value]" in comment(data[f"A{added}"])
    [row] = problem_rows(book)
    assert row["位置 location"].hyperlink.location == f"'{feedback.DATA_SHEET}'!A{added}"


def test_the_template_keeps_its_validation_and_protection(catalog, tmp_path) -> None:
    path = forms.write_template(catalog, "C03", "2026-09", tmp_path / "form.xlsx")
    filled = load_workbook(path)
    filled[forms.SHEET][f"D{forms.HEADER_ROW + 1}"] = "many"
    filled.save(path)
    book, _ = build("form.xlsx", path.read_bytes(), catalog)
    sheet = load_workbook(io.BytesIO(book))[forms.SHEET]
    assert sheet.protection.sheet
    [rule] = sheet.data_validations.dataValidation
    assert (rule.type, rule.formula1) == ("decimal", "0")
    assert not sheet[f"D{forms.HEADER_ROW + 1}"].protection.locked


def test_a_damaged_workbook_gives_no_feedback(catalog) -> None:
    data = b"PK\x03\x04 not a zip"
    assert feedback.feedback_workbook(data, parse("c.xlsx", data, catalog)) is None


# --- bounded ------------------------------------------------------------------------------------------


def test_a_problem_on_each_of_more_lines_than_listed(catalog) -> None:
    """Every line is copied, the first LISTED problems are listed and marked, the rest counted (the
    99,999 lines a file may have: bench/feedback.py)."""
    from python_calamine import CalamineWorkbook

    lines = 2 * feedback.LISTED + 500
    records = [["C03", "2026-09", f"NO_SUCH_{n}", n, "", "", ""] for n in range(lines)]
    book, subs = build("c.csv", csv_bytes(records), catalog)
    total = sum(len(s.problems) for s in subs)
    assert total > lines
    read = CalamineWorkbook.from_filelike(io.BytesIO(book))  # openpyxl would take seconds to read it
    problems = read.get_sheet_by_name(feedback.PROBLEMS_SHEET).to_python()
    assert len(problems) == 1 + feedback.LISTED + 1
    more = f"{total - feedback.LISTED:,}"
    assert f"另有 {more} 个问题未列出" in problems[-1][0] and f"and {more} more" in problems[-1][0]
    data = read.get_sheet_by_name(feedback.DATA_SHEET).to_python()
    assert len(data) == lines + 1 and data[-1][:3] == ["C03", "2026-09", f"NO_SUCH_{lines - 1}"]
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        notes = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/comments"))
    marked = [int(n) for n in re.findall(rb'<comment ref="A(\d+)"', notes)]
    assert marked == list(range(2, feedback.LISTED + 2))


def test_workbook_marks_are_bounded_too(catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feedback, "LISTED", 3)
    sheet = grid(catalog, rows=[[f"NO_SUCH_{n}", None, "x"] for n in range(10)])
    book, [sub] = build("c.xlsx", xlsx(sheet), catalog)
    opened = load_workbook(io.BytesIO(book))
    problems = opened[feedback.PROBLEMS_SHEET]
    assert problems.max_row == 1 + 3 + 1
    assert f"{len(sub.problems) - 3:,} more problems" in problems.cell(problems.max_row, 1).value
    listed = {p.cell for p in sub.problems[:3]}
    commented = {c.coordinate for row in opened["填报表"].iter_rows() for c in row if c.comment}
    assert commented == {ref for ref in listed if ref}
