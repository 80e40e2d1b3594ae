"""A CSV file's layout (contract §2.2) read into drafts: decoded, measured, split into records, and its
rows grouped by (unit_code, period), one draft a group."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from scorecard.model import ParsedSubmission, Problem
from scorecard.parsing.drafts import Draft, Field, Row, Where, problem, unreadable
from scorecard.parsing.labels import FIELD_ZH, LABELS, META_FIELDS, label_key
from scorecard.parsing.limits import csv_too_large
from scorecard.parsing.values import cell_text
from scorecard.periods import Period
from scorecard.vocabulary import Rule


def read_csv(name: str, data: bytes) -> list[Draft] | list[ParsedSubmission]:
    """A draft for each (unit_code, period) group of the CSV file, or the answer when it has none."""
    text = _decode(data)
    if text is None:
        return unreadable(name, "csv", "CSV 文件编码无法识别，请另存为 UTF-8 编码",
                          "the CSV file is neither UTF-8 nor GB18030 text; save it as UTF-8")
    if "\x00" in text:
        return unreadable(name, "csv", "文件含有空字符（NUL），不是文本文件，请另存为 UTF-8 编码的 CSV",
                          "the file holds NUL characters, so it is not text; save it as a UTF-8 CSV")
    too_large = csv_too_large(text, _delimiter(text))
    if too_large:
        return unreadable(name, "csv", *too_large)
    return _drafts(name, text)


def _decode(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text.removeprefix("\ufeff")
    return None


def _delimiter(text: str) -> str:
    """The first of ``,``, tab and ``;`` found on the first line (``,`` when none is)."""
    first_line = text.split("\n", 1)[0]
    return next((d for d in (",", "\t", ";") if d in first_line), ",")


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank CSV records with the physical line each starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    start = 1
    for record in reader:
        if any(cell.strip() for cell in record):
            yield start, record
        start = reader.line_num + 1


def _drafts(name: str, text: str) -> list[Draft] | list[ParsedSubmission]:
    records = _records(text)
    line = 0  # where the last record read starts
    try:
        line, header = next(records, (1, []))
        columns: dict[str, int] = {}
        for c, label in enumerate(header):
            if LABELS.get(label_key(label)):
                columns.setdefault(LABELS[label_key(label)], c)
        missing = [c for c in ("unit_code", "period", "indicator_code", "value") if c not in columns]
        if missing:
            return _only(name, problem(
                Rule.MISSING_METADATA, Where(line=line),
                f"第 {line} 行表头缺少列：{', '.join(missing)}（表头应为 unit_code,period,indicator_code,"
                "value,numerator,denominator,note）",
                f"the header on line {line} lacks the columns {', '.join(missing)} (expected unit_code, "
                "period, indicator_code, value, numerator, denominator, note)"))
        groups: dict[tuple[str, str], Draft] = {}
        for line, record in records:
            fields = {n: Field(record[c] if c < len(record) else "", Where(line=line))
                      for n, c in columns.items()}
            _file_row(name, groups, fields, line)
    except csv.Error:  # once NULs are refused, only a field longer than csv.field_size_limit()
        line, limit = line + 1, csv.field_size_limit()
        return unreadable(name, "csv", f"第 {line} 行起有超过 {limit:,} 个字符的字段（是否有引号未闭合？）",
                          f"a field from line {line} on is longer than {limit:,} characters (is a quote "
                          "left open?)")
    if not groups:
        return _only(name, problem(Rule.MISSING_METADATA, None, "文件只有表头，没有数据行",
                                   "the file has a header but no data rows"))
    return list(groups.values())


def _only(name: str, error: Problem) -> list[ParsedSubmission]:
    """The answer for a CSV file with nothing to check beyond ``error``."""
    return [ParsedSubmission(file=name, form="csv", problems=[error])]


def _file_row(name: str, groups: dict[tuple[str, str], Draft], fields: dict[str, Field], line: int) -> None:
    """File one CSV record under its (unit_code, period) group."""
    unit, period = cell_text(fields["unit_code"].raw), cell_text(fields["period"].raw)
    parsed = Period.read(period)
    key = (unit.upper(), str(parsed) if parsed else period)
    draft = groups.get(key)
    if draft is None:
        draft = groups[key] = Draft(file=name, form="csv")
        draft.meta = {n: fields[n] for n in ("unit_code", "period") if cell_text(fields[n].raw)}
    for meta_name in ("submitted_at", "contact"):
        if meta_name not in draft.meta and meta_name in fields and cell_text(fields[meta_name].raw):
            draft.meta[meta_name] = fields[meta_name]
    lacking = [n for n in ("unit_code", "period") if not cell_text(fields[n].raw)]
    if lacking:
        where = Where(line=line)
        draft.problems.append(problem(
            Rule.MISSING_METADATA, where,
            f"第 {line} 行缺少{'、'.join(FIELD_ZH[n] for n in lacking)}，请补填",
            f"line {line} has no {' or '.join(lacking)}; fill it in"))
    if cell_text(fields["indicator_code"].raw):
        draft.rows.append(Row(fields={n: f for n, f in fields.items() if n not in META_FIELDS},
                               where=Where(line=line)))
