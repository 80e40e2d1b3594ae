"""The bulletin: the workbook opened with openpyxl and the HTML page parsed, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from support import TODAY
from support.warehouse_rows import set_targets, submit
from typer.testing import CliRunner

from scorecard import bulletin, bulletin_workbook, fonts, reports, snapshots, sources, warehouse
from scorecard.cli import app

pytestmark = pytest.mark.integration

PNG_MAGIC = b"\x89PNG"


DRAWN_ALIKE_ON_EITHER_BACKEND = pytest.mark.parametrize("warehouse_url", ["sqlite"], indirect=True)
"""For a test of how a bulletin looks: its figures are read the same way on both backends, which the
other tests here check on each."""


@pytest.fixture
def september(engine: sa.Engine) -> sa.Engine:
    """C01 and C02 report HTE_APPLY for August and September (targets 11 and 8, CITY 60)."""
    for unit, august, september in (("C01", 6, 9), ("C02", 1, 1)):
        submit(engine, unit, "2026-08", {"HTE_APPLY": august})
        submit(engine, unit, "2026-09", {"HTE_APPLY": september})
    snapshots.take(engine, "2026-08", today=TODAY)
    snapshots.take(engine, "2026-09", today=TODAY)
    return engine


def images(html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)]


def test_chinese_bulletin(september: sa.Engine, tmp_path: Path) -> None:
    files = reports.write_bulletin(september, "2026-09", out_dir=str(tmp_path))
    assert [Path(f).name for f in files] == ["bulletin_2026-09_v1.xlsx", "bulletin_2026-09_v1.html"]
    book = load_workbook(files[0])
    with september.connect() as conn:
        cat = warehouse.read_catalog(conn)
    assert book.sheetnames[:2] == ["全市", "各单位完成情况"]
    assert book.sheetnames[-2:] == ["未报送单位", "图表"]
    assert sorted(book.sheetnames[2:-2]) == sorted(i.name_zh for i in cat.indicators.values())
    assert book.sheetnames[2] == "新申报高新技术企业数"  # the only lagging indicator comes first

    heat = book["各单位完成情况"]  # the page's heat map: indicators worst first, the city's column first
    assert heat["A2"].value == "新申报高新技术企业数" and heat["B1"].value == "全市"
    assert heat["B2"].value == round(100 * 10 / 60)
    assert heat["B2"].fill.fgColor.rgb.endswith(bulletin_workbook.COLOURS["lagging"])
    assert heat.freeze_panes == "B2" and heat.page_setup.orientation == "landscape"

    city = {row[0].value: row for row in book["全市"].iter_rows(min_row=2)}
    assert [c.value for c in book["全市"][1]][:9] == [
        "指标代码", "指标名称", "计量单位", "实际完成", "年度目标", "完成率", "序时进度", "差距（个百分点）",
        "状态"]
    hte = [c.value for c in city["HTE_APPLY"]]
    assert hte[:5] == ["HTE_APPLY", "新申报高新技术企业数", "家", 10, 60]
    assert hte[5] == pytest.approx(10 / 60)
    assert hte[6] == pytest.approx(9 / 12)
    assert hte[7] == pytest.approx((10 / 60 - 9 / 12) * 100)  # percentage points
    assert hte[8] == "严重滞后"
    assert hte[9] == pytest.approx(10 / (9 / 12))
    assert city["HTE_APPLY"][8].fill.fgColor.rgb.endswith("FFC7CE")
    assert city["HTE_APPLY"][5].number_format == "0.0%"
    assert city["HTE_APPLY"][7].number_format == "+0.0;-0.0;0.0"
    assert [city["HTE_APPLY"][i].number_format for i in (3, 4, 9)] == ["#,##0"] * 3  # 家: a count

    ranking = [[c.value for c in row] for row in book["新申报高新技术企业数"].iter_rows(min_row=2)]
    assert [r[:3] for r in ranking[:2]] == [[1, "C01", "东城区"], [2, "C02", "西山区"]]
    assert all(r[0] is None for r in ranking[2:])  # units with a target but no data are not ranked
    missing = [row[0].value for row in book["未报送单位"].iter_rows(min_row=2)]
    assert missing == ["C03", "C04", "C05", "P01", "P02", "P03", "P04"]
    assert len(book["图表"]._images) == 2

    html = Path(files[1]).read_text(encoding="utf-8")
    assert "<title>科技创新指标考核月报 2026-09</title>" in html
    row = re.search(r'<tr class="status-lagging" data-indicator="HTE_APPLY">(.*?)</tr>', html, re.S)
    assert row and "16.7%" in row.group(1) and "75.0%" in row.group(1) and "严重滞后" in row.group(1)
    assert "-58.3" in row.group(1) and "%</td>" not in row.group(1).split("75.0%")[1]  # the gap in points
    assert "南湖县" in html.split('id="missing"')[1].split("</ul>")[0]
    assert [png[:4] for png in images(html)] == [PNG_MAGIC, PNG_MAGIC]


def test_english_bulletin_of_an_older_version(september: sa.Engine, tmp_path: Path) -> None:
    submit(september, "C02", "2026-09", {"HTE_APPLY": 5})
    assert snapshots.take(september, "2026-09", today=TODAY).version == 2
    files = reports.write_bulletin(september, "2026-09", version=1, out_dir=str(tmp_path), lang="en")
    assert [Path(f).name for f in files] == ["bulletin_2026-09_v1_en.xlsx", "bulletin_2026-09_v1_en.html"]
    book = load_workbook(files[0])
    assert book.sheetnames[:2] == ["City", "Units at a glance"]
    assert book.sheetnames[-2:] == ["Not reported", "Charts"]
    city = {row[0].value: [c.value for c in row] for row in book["City"].iter_rows(min_row=2)}
    assert city["HTE_APPLY"][3] == 10  # version 1: 9 + 1, not the corrected 9 + 5
    assert city["HTE_APPLY"][8] == "lagging"
    html = Path(files[1]).read_text(encoding="utf-8")
    assert "S&amp;T scorecard monthly bulletin" in html and "version 1" in html
    latest = reports.write_bulletin(september, "2026-09", out_dir=str(tmp_path))
    assert Path(latest[0]).name == "bulletin_2026-09_v2.xlsx"
    assert {row[0].value: row[3].value for row in load_workbook(latest[0])["全市"].iter_rows(min_row=2)}[
        "HTE_APPLY"] == 14


@pytest.mark.parametrize(("period", "version", "lang", "message"), [
    ("2026-07", None, "zh", "no snapshot of 2026-07"),
    ("2026-09", 5, "zh", "version 5"),
    ("2026-09", None, "fr", "language"),
    ("2026/09", None, "zh", "YYYY-MM"),
])
def test_bulletin_errors(september: sa.Engine, tmp_path: Path, period, version, lang, message) -> None:
    with pytest.raises((reports.ReportError, snapshots.SnapshotError), match=message):
        reports.write_bulletin(september, period, version, str(tmp_path / "out"), lang)
    assert not (tmp_path / "out").exists()


def test_cli_report(september: sa.Engine, tmp_path: Path) -> None:
    url = september.url.render_as_string(hide_password=False)
    runner = CliRunner()
    result = runner.invoke(app, ["report", "--period", "2026-09", "--out", str(tmp_path), "--json",
                                 "--db", url])
    assert result.exit_code == 0, result.output
    files = json.loads(result.stdout)["files"]
    assert [Path(f).name for f in files] == ["bulletin_2026-09_v1.xlsx", "bulletin_2026-09_v1.html"]
    assert all(Path(f).is_file() for f in files)
    bad = runner.invoke(app, ["report", "--period", "2026-07", "--json", "--db", url])
    assert bad.exit_code == 2 and "no snapshot" in json.loads(bad.stdout)["error"]
    (tmp_path / "a-file").write_bytes(b"")  # a folder that cannot be made: an unwritable output
    unwritable = runner.invoke(app, ["report", "--period", "2026-09", "--json", "--db", url,
                                     "--out", str(tmp_path / "a-file" / "out")])
    assert unwritable.exit_code == 2 and isinstance(unwritable.exception, SystemExit)
    assert json.loads(unwritable.stdout)["error"].startswith(f"the bulletin folder {tmp_path / 'a-file'}")


@pytest.fixture
def march(sqlite_url: str) -> sa.Engine:
    """A warehouse with one target and one figure, and the snapshot of 2026-03."""
    eng = warehouse.engine(sqlite_url)
    warehouse.init_db(eng)
    with eng.begin() as conn:
        conn.execute(warehouse.sql("upsert_target"), {"year": 2026, "unit_code": "C01", "indicator_code":
                     "HTE_APPLY", "target": 10, "source": "test", "loaded_at": datetime(2026, 1, 1)})
    submit(eng, "C01", "2026-03", {"HTE_APPLY": 3})
    snapshots.take(eng, "2026-03", today=TODAY)
    return eng


def test_bulletin_to_an_object_storage_url(march: sa.Engine, tmp_path: Path, memory_storage) -> None:
    # fsspec's in-memory file system, reached through ObjectStoragePath like s3:// or sftp://
    out = f"memory://bulletins-{tmp_path.name}/out"
    files = reports.write_bulletin(march, "2026-03", out_dir=out, lang="en")
    assert files == [f"{out}/bulletin_2026-03_v1_en.xlsx", f"{out}/bulletin_2026-03_v1_en.html"]
    city = load_workbook(io.BytesIO(sources.read(files[0]).data))["City"]
    assert {row[0].value: row[3].value for row in city.iter_rows(min_row=2)}["HTE_APPLY"] == 3
    assert sources.read(files[1]).data.startswith(b"<!DOCTYPE html>")


def test_bulletin_to_a_file_url_is_written_locally(march: sa.Engine, tmp_path: Path) -> None:
    files = reports.write_bulletin(march, "2026-03", out_dir=f"file://{tmp_path}/out")
    assert files == [str(tmp_path / "out" / "bulletin_2026-03_v1.xlsx"),
                     str(tmp_path / "out" / "bulletin_2026-03_v1.html")]
    assert Path(files[1]).read_bytes().startswith(b"<!DOCTYPE html>")


def test_unit_names_like_formulas_stay_text(sqlite_url: str, catalog, tmp_path: Path) -> None:
    """A unit name starting with "=" is written as text: no sheet of the bulletin holds a formula."""
    names = {"C01": "=1+1", "C03": '=HYPERLINK("http://x","y")'}
    units = {**catalog.units, **{code: dataclasses.replace(catalog.units[code], name_zh=name)
                                 for code, name in names.items()}}
    eng = warehouse.engine(sqlite_url)
    warehouse.init_db(eng, dataclasses.replace(catalog, units=units))
    set_targets(eng, 2026, [("C01", "HTE_APPLY", 10), ("C03", "HTE_APPLY", 10)])
    submit(eng, "C01", "2026-09", {"HTE_APPLY": 3})
    snapshots.take(eng, "2026-09", today=TODAY)
    xlsx = reports.write_bulletin(eng, "2026-09", out_dir=str(tmp_path))[0]
    with zipfile.ZipFile(xlsx) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any(re.search(rb"<f[\s>/]", xml) for xml in sheets)
    book = load_workbook(xlsx)
    ranked = next(row for row in book["新申报高新技术企业数"].iter_rows(min_row=2) if row[1].value == "C01")
    missing = next(row for row in book["未报送单位"].iter_rows(min_row=2) if row[0].value == "C03")
    assert [(c.value, c.data_type) for c in (ranked[2], missing[1])] == [
        (names["C01"], "s"), (names["C03"], "s")]


@pytest.mark.parametrize(("gap", "shown"), [
    (-0.013333, "-1.3"), (0.0, "0.0"), (-0.0001, "-0.01"), (0.00004, "+0.004"), (None, "—"), (0.25, "+25.0"),
])
def test_gaps_are_points_and_never_minus_zero(gap, shown) -> None:
    assert bulletin.points(gap) == shown


@pytest.mark.parametrize(("value", "unit", "shown"), [
    (41.0, "项", "41"), (49.199999, "项", "49"), (1234.0, "家", "1,234"), (8450.4, "万元", "8,450.4"),
    (314885.99999999994, "万元", "314,886"), (8.120306, "%", "8.12"), (None, "家", "—"),
])
def test_counts_are_integers_and_money_has_separators(value, unit, shown) -> None:
    assert bulletin.number(value, unit) == shown


@DRAWN_ALIKE_ON_EITHER_BACKEND
def test_bulletin_page_for_a_leader(september: sa.Engine, tmp_path: Path) -> None:
    """Headline, severity order, integer counts, points, Beijing time, heat map, last month, printable."""
    html = Path(reports.write_bulletin(september, "2026-09", out_dir=str(tmp_path))[1]).read_text("utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "@media print" in html and "@page" in html and "break-before: page" in html
    with september.connect() as conn:
        snap = snapshots.latest(conn, "2026-09")
    assert snap is not None
    beijing = snap.taken_at.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"{beijing:%Y-%m-%d %H:%M}（北京时间）" in html and " UTC" not in html

    headline = html.split('id="headline"')[1].split("</section>")[0]
    chips = re.findall(r'class="count status-(\w+)"><b>(\d+)</b>', headline)
    assert chips == [("achieved", "0"), ("on_track", "0"), ("behind", "0"), ("lagging", "1")]
    assert "南湖县" in headline and "新申报高新技术企业数" in headline  # missing units; biggest change

    city = html.split('id="city"')[1].split("</table>")[0]
    order = re.findall(r'<tr class="status-(\w+)" data-indicator="(\w+)">', city)
    assert order[0] == ("lagging", "HTE_APPLY") and {s for s, _ in order[1:]} == {"no_data"}
    hte = re.search(r'data-indicator="HTE_APPLY">(.*?)</tr>', city, re.S)
    assert hte is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', hte.group(1))
    # actual, target, completion, expected, gap (points), vs last month (points), forecast (a count)
    assert cells == ["10", "60", "16.7%", "75.0%", "-58.3", "+5.0", "13"]
    assert "个百分点" in html.split('id="city"')[1].split("</thead>")[0]

    heat = html.split('id="heat"')[1].split("</table>")[0]
    assert re.search(r'<tr data-indicator="HTE_APPLY">.*?data-status="lagging"[^>]*>17</td>', heat)
    assert 'class="ranking"' not in html and "<h3>" not in html  # the rankings live in the workbook
    assert 'id="changed"' not in html  # version 1: nothing to compare


def test_second_version_says_what_changed(september: sa.Engine, tmp_path: Path) -> None:
    submit(september, "C02", "2026-09", {"HTE_APPLY": 5})
    assert snapshots.take(september, "2026-09", today=TODAY).version == 2
    html = Path(reports.write_bulletin(september, "2026-09", out_dir=str(tmp_path))[1]).read_text("utf-8")
    changed = html.split('id="changed"')[1].split("</section>")[0]
    assert "本版与第 1 版相比的变化" in changed
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td class=\"num\">([^<]+)</td>", changed)
    assert ("全市", "新申报高新技术企业数", "10 → 14") in rows
    assert ("西山区", "新申报高新技术企业数", "1 → 5") in rows


@DRAWN_ALIKE_ON_EITHER_BACKEND
def test_the_page_embeds_a_font_with_every_character_it_shows(september: sa.Engine, tmp_path: Path) -> None:
    from fontTools.ttLib import TTFont

    html = Path(reports.write_bulletin(september, "2026-09", out_dir=str(tmp_path))[1]).read_text("utf-8")
    [data] = re.findall(r"src: url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", html)
    covered = {chr(code) for code in TTFont(io.BytesIO(base64.b64decode(data))).getBestCmap()}
    shown = {c for c in html if not c.isascii() and not c.isspace()}
    assert "科" in shown and shown - covered == set()
    assert f'font-family: "{fonts.WEB_FONT_FAMILY}"' in html and len(data) < 400_000


@DRAWN_ALIKE_ON_EITHER_BACKEND
def test_workbook_prints_on_a4_landscape(september: sa.Engine, tmp_path: Path) -> None:
    book = load_workbook(reports.write_bulletin(september, "2026-09", out_dir=str(tmp_path))[0])
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0
    for ws in book.worksheets[:-1]:  # the heat map keeps its indicators' column in view too
        assert ws.freeze_panes == ("B2" if ws.title == "各单位完成情况" else "A2")
        assert ws.print_title_rows == "$1:$1"
    city = book["全市"]
    assert city.conditional_formatting and any(
        "H2" in str(rng.sqref) for rng in city.conditional_formatting)
