"""The monthly bulletin of a snapshot: an Excel workbook and an HTML page, in Chinese or English.

Both show the city table of every indicator (actual, target, completion, 序时进度, gap, status,
forecast), one ranking per indicator across units, the units that have not reported, and two charts:
the city's completion against the expected rate per indicator, and its completion month by month.
Charts use the CJK font the mplfonts package ships (or the machine's); without one they are drawn in
English.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from scorecard import config, labels, snapshots
from scorecard.catalog import Catalog
from scorecard.faults import StorageUnavailable
from scorecard.sources import join, write_bytes
from scorecard.vocabulary import CITY
from scorecard.xlsx import append_row

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from openpyxl.worksheet.worksheet import Worksheet

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates" / "bulletin"
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "AR PL UMing CN")
COLOURS = {"achieved": "C6EFCE", "on_track": "E2EFDA", "behind": "FFEB9C", "lagging": "FFC7CE",
           "no_data": "D9D9D9", "no_target": "F2F2F2"}
COLUMNS = {
    "city": ("indicator_code", "indicator_name", "measure_unit", "actual", "target", "completion_rate",
             "expected_rate", "gap", "status", "forecast"),
    "ranking": ("rank", "unit_code", "unit_name", "actual", "target", "completion_rate", "expected_rate",
                "gap", "status", "stale"),
    "missing": ("unit_code", "unit_name", "contact_email"),
}
"""The columns of each table, headed in ``labels``' words."""
TEXT: dict[str, dict[str, Any]] = {
    "zh": {
        "title": "科技创新指标考核月报", "version": "版本", "taken_at": "生成时间",
        "city_sheet": "全市", "missing_sheet": "未报送单位", "charts": "图表", "rankings": "各单位排名",
        "none_missing": "本月所有单位均已报送。",
        "yes": "是", "no": "否",
        "chart_progress": "全市完成率与序时进度", "chart_history": "全市完成率逐月变化", "month": "月份",
    },
    "en": {
        "title": "S&T scorecard monthly bulletin", "version": "version", "taken_at": "taken at",
        "city_sheet": "City", "missing_sheet": "Not reported", "charts": "Charts", "rankings": "Rankings",
        "none_missing": "Every unit has reported this month.",
        "yes": "yes", "no": "no",
        "chart_progress": "City completion against expected progress",
        "chart_history": "City completion month by month", "month": "month",
    },
}


class ReportError(ValueError):
    """A bulletin that cannot be written: unknown language, or no such snapshot."""


@dataclass(frozen=True)
class Chart:
    title: str
    png: bytes

    @property
    def data(self) -> str:
        return base64.b64encode(self.png).decode("ascii")


def _snapshot(engine: Engine, period: str, version: int | None) -> snapshots.Snapshot:
    period = str(snapshots.checked_period(period))
    with engine.connect() as conn:
        snap = snapshots.latest(conn, period) if version is None else snapshots.load(conn, period, version)
    if snap is None:
        which = "any version" if version is None else f"version {version}"
        raise ReportError(f"no snapshot of {period} ({which}): "
                          f"run `scorecard snapshot --period {period}` first")
    return snap


# ---- charts -------------------------------------------------------------------------------------

@cache
def _cjk_font() -> str | None:
    """A font with Chinese glyphs: Noto Sans CJK SC from the mplfonts package, else the machine's."""
    import importlib.util

    from matplotlib import font_manager

    spec = importlib.util.find_spec("mplfonts")
    if spec and spec.submodule_search_locations:
        bundled = Path(spec.submodule_search_locations[0]) / "fonts" / "NotoSansCJKsc-Regular.otf"
        if bundled.is_file():
            font_manager.fontManager.addfont(str(bundled))
    available = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in available), None)


def _figure_png(fig: Figure) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _charts(snap: snapshots.Snapshot, cat: Catalog, history: dict[str, list[dict[str, Any]]],
            lang: str) -> list[Chart]:
    """The two charts; drawn in English when the bulletin is Chinese but the machine has no CJK font."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    font = _cjk_font()
    drawn_in = lang if lang == "en" or font else "en"
    t = TEXT[drawn_in]
    city = [r for r in snap.rows if r.unit_code == CITY]
    with plt.rc_context({"font.family": [font, "sans-serif"]} if font else {}):
        fig, ax = plt.subplots(figsize=(9, 0.4 * len(city) + 1.5))
        names = [labels.indicator_name(cat, r.indicator_code, drawn_in) for r in city]
        ax.barh(names, [r.completion_rate or 0 for r in city], color="#4c72b0",
                label=labels.field("completion_rate", drawn_in))
        ax.scatter([float("nan") if r.expected_rate is None else r.expected_rate for r in city], names,
                   color="#dd8452", marker="|", s=300, zorder=3,
                   label=labels.field("expected_rate", drawn_in))
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_title(f"{t['chart_progress']} {snap.period}")
        ax.legend(loc="lower right")
        progress = Chart(TEXT[lang]["chart_progress"], _figure_png(fig))

        fig, ax = plt.subplots(figsize=(9, 5))
        for code, points in history.items():
            if any(p["completion_rate"] is not None for p in points):
                ax.plot([p["month"] for p in points], [p["completion_rate"] for p in points], marker="o",
                        label=labels.indicator_name(cat, code, drawn_in))
        ax.set_xlim(0.5, 12.5)
        ax.set_xticks(range(1, 13))
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_xlabel(t["month"])
        ax.set_title(f"{t['chart_history']} {snap.year}")
        ax.set_ylim(bottom=0)
        if ax.lines:
            ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1))
        monthly = Chart(TEXT[lang]["chart_history"], _figure_png(fig))
    return [progress, monthly]


# ---- tables -------------------------------------------------------------------------------------

def _city_table(snap: snapshots.Snapshot, cat: Catalog, lang: str) -> list[dict[str, Any]]:
    return [labels.named(r, cat, lang) for r in snap.rows if r.unit_code == CITY]


def _rankings(snap: snapshots.Snapshot, cat: Catalog, lang: str) -> list[dict[str, Any]]:
    """Per indicator, its unit rows: ranked ones by rank, then the unranked by unit code."""
    t = TEXT[lang]
    result = []
    for code in sorted({r.indicator_code for r in snap.rows}):
        rows = sorted((r for r in snap.rows if r.indicator_code == code and r.unit_code != CITY),
                      key=lambda r: (r.rank is None, r.rank or 0, r.unit_code))
        result.append({"indicator_code": code, "name": labels.indicator_name(cat, code, lang), "rows": [
            {**labels.named(r, cat, lang),
             "stale": "" if r.stale is None else t["yes"] if r.stale else t["no"]} for r in rows]})
    return result


def _missing(snap: snapshots.Snapshot, cat: Catalog, lang: str) -> list[dict[str, Any]]:
    return [{"unit_code": u, "unit_name": labels.unit_name(cat, u, lang),
             "contact_email": cat.units[u].contact_email if u in cat.units else None}
            for u in snap.missing_units]


# ---- workbook -----------------------------------------------------------------------------------

RATES = ("completion_rate", "expected_rate", "gap")


def _headings(columns: tuple[str, ...], lang: str) -> list[str]:
    return [labels.field(c, lang) for c in columns]


def _write_sheet(ws: Worksheet, columns: tuple[str, ...], rows: list[dict[str, Any]], lang: str) -> None:
    """Headings and rows (text as text): a status as its words in its colour, rates as percentages."""
    from openpyxl.styles import Font, PatternFill

    for cell in append_row(ws, _headings(columns, lang)):
        cell.font = Font(bold=True)
    for row in rows:
        cells = append_row(ws, [row["status_label"] if c == "status" else row[c] for c in columns])
        for column, cell in zip(columns, cells, strict=True):
            if column == "status":
                cell.fill = PatternFill("solid", fgColor=COLOURS[row["status"]])
            elif column in RATES:
                cell.number_format = "0.0%"
    ws.freeze_panes = "A2"
    for column in ws.columns:
        ws.column_dimensions[column[0].column_letter].width = max(10, min(40, 2 + max(
            len(str(c.value or "")) * (2 if any(ord(ch) > 255 for ch in str(c.value or "")) else 1)
            for c in column)))


def _sheet_title(text: str) -> str:
    return "".join(ch for ch in text if ch not in "[]:*?/\\")[:31]


def _workbook(context: dict[str, Any], charts: list[Chart], lang: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image

    t = TEXT[lang]
    book = Workbook()
    ws = book.active
    ws.title = _sheet_title(t["city_sheet"])
    _write_sheet(ws, COLUMNS["city"], context["city_rows"], lang)
    for ranking in context["rankings"]:
        ws = book.create_sheet(_sheet_title(ranking["indicator_code"]))
        _write_sheet(ws, COLUMNS["ranking"], ranking["rows"], lang)
    ws = book.create_sheet(_sheet_title(t["missing_sheet"]))
    _write_sheet(ws, COLUMNS["missing"], context["missing"], lang)
    ws = book.create_sheet(_sheet_title(t["charts"]))
    anchor_row = 1
    for chart in charts:
        image = Image(io.BytesIO(chart.png))
        ws.add_image(image, f"A{anchor_row}")
        anchor_row += int(image.height / 20) + 2
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _html(context: dict[str, Any]) -> bytes:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    return env.get_template("bulletin.html.j2").render(**context).encode("utf-8")


def _display(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with figures formatted for the HTML page: rates as percentages, nulls as a dash."""
    def show(name: str, value: Any) -> Any:
        if value is None:
            return "—"
        if name in RATES:
            return f"{value:+.1%}" if name == "gap" else f"{value:.1%}"
        return f"{value:,.2f}" if name in ("actual", "target", "forecast") else value

    return [{k: show(k, v) for k, v in r.items()} for r in rows]


# ---- output -------------------------------------------------------------------------------------

def write_bulletin(engine: Engine, period: str, version: int | None = None, out_dir: str | None = None,
                   lang: str = "zh") -> list[str]:
    """Write ``bulletin_<period>_v<version>.xlsx`` and ``.html`` (``…_en`` in English); the files written,
    each recorded in the warehouse's ``bulletins`` (served from there by id)."""
    from scorecard.warehouse import read_catalog, sql

    if lang not in TEXT:
        raise ReportError(f"language {lang!r} is not one of {', '.join(TEXT)}")
    snap = _snapshot(engine, period, version)
    with engine.connect() as conn:
        cat = read_catalog(conn)
        history = {code: snapshots.history(conn, CITY, code, snap.year) for code in sorted(cat.indicators)}
    context = {"city_rows": _city_table(snap, cat, lang), "rankings": _rankings(snap, cat, lang),
               "missing": _missing(snap, cat, lang)}
    charts = _charts(snap, cat, history, lang)
    html_context = {
        "lang": lang, "t": TEXT[lang], "period": snap.period, "version": snap.version,
        "headers": {name: _headings(columns, lang) for name, columns in COLUMNS.items()},
        "taken_at": f"{snap.taken_at:%Y-%m-%d %H:%M} UTC", "colours": COLOURS, "charts": charts,
        "missing": context["missing"], "city_rows": _display(context["city_rows"]),
        "rankings": [{**r, "rows": _display(r["rows"])} for r in context["rankings"]],
    }
    stem = f"bulletin_{snap.period}_v{snap.version}" + ("" if lang == "zh" else f"_{lang}")
    out_dir = out_dir or config.output_dir()
    workbook, page = _workbook(context, charts, lang), _html(html_context)
    try:
        files = {"xlsx": write_bytes(join(out_dir, f"{stem}.xlsx"), workbook),
                 "html": write_bytes(join(out_dir, f"{stem}.html"), page)}
    except OSError as exc:
        reason = exc.strerror or exc
        raise StorageUnavailable(f"the bulletin folder {out_dir} cannot be written: {reason}") from exc
    written_at = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(sql("upsert_bulletin"), [
            {"snapshot_id": snap.snapshot_id, "lang": lang, "format": kind, "location": location,
             "written_at": written_at} for kind, location in files.items()])
    return list(files.values())
