"""The monthly bulletin of a snapshot: an Excel workbook and an HTML page, in Chinese or English.

The page is what a leader reads in a minute: a headline box (the city's indicators per status, the
units missing, the biggest move since last month), a unit × indicator heat map, the city table worst
first (with the change since last month), what changed since the previous version, the units that have
not reported, and two charts: the city's completion against 序时进度 per indicator, and small multiples of
its completion month by month. The workbook (``bulletin_workbook``) holds the city table, the heat map,
one ranking per indicator, the units missing and the charts. How figures are shown
and ordered is ``bulletin``'s.
Charts use the CJK font the mplfonts package ships (or the machine's); without one they are drawn in
English.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from scorecard import bulletin, config, labels, snapshots
from scorecard.bulletin_workbook import COLOURS, COLUMNS, FIGURES, RATES, headings, workbook
from scorecard.catalog import Catalog
from scorecard.faults import StorageUnavailable
from scorecard.fonts import WEB_FONT_FAMILY, cjk_font, web_font_css
from scorecard.sources import join, write_bytes
from scorecard.vocabulary import CITY

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates" / "bulletin"
STRONG = {"achieved": "#1a7f37", "on_track": "#8cc265", "behind": "#f2b705", "lagging": "#d1242f",
          "no_data": "#9e9e9e", "no_target": "#d0d0d0"}
"""The status colours of the page's heat map and of the charts: strong enough to tell apart at a glance."""
EXPECTED_COLOUR = "#1f4e79"
TEXT: dict[str, dict[str, Any]] = {
    "zh": {
        "title": "科技创新指标考核月报", "version": "版本", "taken_at": "生成时间",
        "city_sheet": "全市", "missing_sheet": "未报送单位", "charts": "图表", "rankings": "各单位排名",
        "none_missing": "本月所有单位均已报送。",
        "yes": "是", "no": "否",
        "chart_progress": "全市完成率与序时进度", "chart_history": "全市完成率逐月变化", "month": "月份",
        "headline": "本月要点", "indicators": "项指标", "of_which": "其中", "items": "项",
        "other_status": "无数据或无目标", "missing_units": "未报送单位", "biggest": "较上月变化最大",
        "gap_moved": "差距变动", "status_changes": "状态变化", "no_previous": "无上月数据可比",
        "heat_map": "各单位完成情况", "heat_note": "格内数字为完成率（%），颜色为状态；* 为本月未报送单位。",
        "city_table": "全市各指标（按滞后程度排序）", "vs_last_month": "完成率较上月",
        "changed": "本版与第 {v} 版相比的变化", "no_changes": "与上一版相比数字无变化。",
        "now_reported": "新报送单位", "before": "原", "after": "现", "unit": "单位", "indicator": "指标",
        "contents": "目录", "appendix": "各单位排名见 Excel 附件。", "local_time": "北京时间",
        "legend": "图例", "worse": "转差", "better": "好转", "colon": "：", "sep": "；", "list_sep": "、",
        "lp": "（", "rp": "）", "comma": "，",
    },
    "en": {
        "title": "S&T scorecard monthly bulletin", "version": "version", "taken_at": "taken at",
        "city_sheet": "City", "missing_sheet": "Not reported", "charts": "Charts", "rankings": "Rankings",
        "none_missing": "Every unit has reported this month.",
        "yes": "yes", "no": "no",
        "chart_progress": "City completion against expected progress",
        "chart_history": "City completion month by month", "month": "month",
        "headline": "At a glance", "indicators": "indicators", "of_which": "of which", "items": "",
        "other_status": "no data or no target", "missing_units": "Not reported",
        "biggest": "Biggest change since last month", "gap_moved": "gap moved",
        "status_changes": "Status changes", "no_previous": "no previous month to compare",
        "heat_map": "Units at a glance",
        "heat_note": "Each cell: completion (%), coloured by status; * not reported this month.",
        "city_table": "City indicators, worst first", "vs_last_month": "Completion vs last month",
        "changed": "What changed since version {v}",
        "no_changes": "No figure changed since the last version.",
        "now_reported": "Now reported", "before": "before", "after": "now", "unit": "Unit",
        "indicator": "Indicator", "contents": "Contents", "appendix": "Rankings per unit: see the workbook.",
        "local_time": "Beijing time", "legend": "Legend", "worse": "worse", "better": "better",
        "colon": ": ", "sep": "; ", "list_sep": ", ", "lp": " (", "rp": ")", "comma": ", ",
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

def _figure_png(fig: Figure, laid_out: bool = False) -> bytes:
    """``fig`` as a PNG; cropped to what it draws unless ``laid_out`` already (cropping costs a drawing)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches=None if laid_out else "tight")
    plt.close(fig)
    return buffer.getvalue()


def _status_legend(drawn_in: str, statuses: list[str]) -> list[Any]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    return [*(Patch(color=STRONG[s], label=labels.status(s, drawn_in)) for s in statuses),
            Line2D([], [], color=EXPECTED_COLOUR, lw=2, label=labels.field("expected_rate", drawn_in))]


def _charts(snap: snapshots.Snapshot, cat: Catalog, history: dict[str, list[dict[str, Any]]],
            lang: str) -> list[Chart]:
    """The two charts, bars coloured by status with a legend; drawn in English when the bulletin is
    Chinese but the machine has no CJK font."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    font = cjk_font()
    drawn_in = lang if lang == "en" or font else "en"
    t = TEXT[drawn_in]
    city = bulletin.city_rows(snap)
    shown = [str(s) for s in bulletin.SEVERITY if any(r.status == s for r in city)]
    with plt.rc_context({"font.family": [font, "sans-serif"]} if font else {}):
        fig, ax = plt.subplots(figsize=(9, 0.4 * len(city) + 1.5))
        names = [labels.indicator_name(cat, r.indicator_code, drawn_in) for r in city]
        ax.barh(names, [r.completion_rate or 0 for r in city], color=[STRONG[r.status] for r in city])
        ax.scatter([float("nan") if r.expected_rate is None else r.expected_rate for r in city], names,
                   color=EXPECTED_COLOUR, marker="|", s=300, zorder=3)
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_title(f"{t['chart_progress']} {snap.period}")
        ax.legend(handles=_status_legend(drawn_in, shown), loc="upper center", bbox_to_anchor=(0.5, -0.06),
                  ncols=len(shown) + 1, fontsize="small", frameon=False)
        progress = Chart(TEXT[lang]["chart_progress"], _figure_png(fig))

        columns = 4
        rows = max(1, -(-len(city) // columns))
        fig, axes = plt.subplots(rows, columns, figsize=(11, 2.1 * rows + 0.6), sharex=True, squeeze=False)
        for ax, row in zip(axes.flat, city, strict=False):
            points = [p for p in history.get(row.indicator_code, []) if p["month"] <= snap.month]
            months = [p["month"] for p in points]
            ax.bar(months, [p["completion_rate"] or 0 for p in points],
                   color=[STRONG.get(p["status"], STRONG["no_data"]) for p in points])
            ax.plot(months, [float("nan") if p["expected_rate"] is None else p["expected_rate"]
                             for p in points], color=EXPECTED_COLOUR, lw=1.5)
            ax.set_title(labels.indicator_name(cat, row.indicator_code, drawn_in), fontsize="small")
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            ax.tick_params(labelsize="x-small")
            ax.set_xlim(0.4, 12.6)
            ax.set_xticks(range(1, 13, 2))
            ax.set_ylim(bottom=0)
        for ax in list(axes.flat)[len(city):]:
            ax.set_visible(False)
        fig.tight_layout(rect=(0, 0, 1, 0.94))
        fig.legend(handles=_status_legend(drawn_in, shown), loc="upper center", ncols=len(shown) + 1,
                   bbox_to_anchor=(0.5, 1.0), fontsize="small", frameon=False,
                   title=f"{t['chart_history']} {snap.year}")
        monthly = Chart(TEXT[lang]["chart_history"], _figure_png(fig, laid_out=True))
    return [progress, monthly]


# ---- tables -------------------------------------------------------------------------------------

def _city_table(snap: snapshots.Snapshot, cat: Catalog, lang: str) -> list[dict[str, Any]]:
    """The city's rows, worst first."""
    return [labels.named(r, cat, lang) for r in bulletin.city_rows(snap)]


def _rankings(snap: snapshots.Snapshot, cat: Catalog, lang: str) -> list[dict[str, Any]]:
    """Per indicator (worst first), its unit rows: ranked ones by rank, then the unranked by unit code."""
    t = TEXT[lang]
    result = []
    for city in bulletin.city_rows(snap):
        code = city.indicator_code
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


# ---- page ---------------------------------------------------------------------------------------

def _html(context: dict[str, Any]) -> bytes:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)
    template = env.get_template("bulletin.html.j2")
    page = template.render(**context, web_font="", web_font_family=WEB_FONT_FAMILY)
    embedded = web_font_css(page)  # the page's own characters, whatever the reader's fonts
    return template.render(**context, web_font=embedded, web_font_family=WEB_FONT_FAMILY).encode("utf-8")


def _display(row: dict[str, Any], change: dict[str, Any] | None = None) -> dict[str, Any]:
    """A city row as the page shows it: figures in its measure unit, rates as percentages, the gap and
    the change since last month in percentage points."""
    unit = row.get("measure_unit") or ""
    return {**row, **{name: bulletin.number(row[name], unit) for name in FIGURES},
            **{name: bulletin.percent(row[name]) for name in RATES},
            "gap": bulletin.points(row["gap"]),
            "change": bulletin.points(change["completion"]) if change else "—",
            "status_before": labels.status(change["status_before"]) if change and change["status_changed"]
            else ""}


def _page_context(engine: Engine, snap: snapshots.Snapshot, cat: Catalog, context: dict[str, Any],
                  charts: list[Chart], lang: str) -> dict[str, Any]:
    previous = bulletin.previous_period(snap.period)
    with engine.connect() as conn:
        before = snapshots.latest(conn, previous) if previous else None
        diff = snapshots.diff(conn, snap.period, to_version=snap.version) if snap.version > 1 else None
    city = bulletin.city_rows(snap)
    changes = bulletin.month_changes(city, before)
    columns = ("indicator_name", "measure_unit", "actual", "target", "completion_rate", "expected_rate",
               "gap_points", "status")
    return {
        "lang": lang, "t": TEXT[lang], "period": snap.period, "version": snap.version,
        "taken_at": bulletin.local_time(snap.taken_at), "colours": COLOURS, "strong": STRONG,
        "headers": {**{name: headings(cols, lang) for name, cols in COLUMNS.items()},
                    "page": headings(columns, lang)},
        "forecast": labels.field("forecast", lang), "points": labels.POINTS.said_in(lang),
        "statuses": [{"status": str(s), "label": labels.status(s, lang)} for s in bulletin.SEVERITY],
        "headline": bulletin.headline(city, changes, snap.missing_units, cat, lang),
        "has_previous": before is not None, "previous": previous,
        "heat": context["heat"],
        "city_rows": [_display(r, changes.get(r["indicator_code"])) for r in context["city_rows"]],
        "changed": bulletin.version_changes(diff, cat, lang) if diff else None,
        "missing": context["missing"], "charts": charts,
    }


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
    worst_first = [r.indicator_code for r in bulletin.city_rows(snap)]
    context = {"city_rows": _city_table(snap, cat, lang), "rankings": _rankings(snap, cat, lang),
               "missing": _missing(snap, cat, lang), "heat": bulletin.heat_map(snap, worst_first, cat, lang)}
    charts = _charts(snap, cat, history, lang)
    stem = f"bulletin_{snap.period}_v{snap.version}" + ("" if lang == "zh" else f"_{lang}")
    out_dir = out_dir or config.output_dir()
    book = workbook(context, [chart.png for chart in charts], TEXT[lang], lang, snap.threshold)
    page = _html(_page_context(engine, snap, cat, context, charts, lang))
    try:
        files = {"xlsx": write_bytes(join(out_dir, f"{stem}.xlsx"), book),
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
