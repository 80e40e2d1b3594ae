"""Progress alerts after a snapshot: the behind and lagging rows of a period's latest snapshot, in one
digest per data-team address and one message per unit contact.

An alert is sent to a recipient when its row's status is more severe than anything already sent to them
for that row: a re-run, a retry or a new snapshot version that changes nothing for a recipient sends
nothing; a status that worsens (behind → lagging) is sent.
"""

from __future__ import annotations

import io
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from scorecard import config, labels, mail, snapshots, warehouse
from scorecard.alerts import sending
from scorecard.catalog import Catalog
from scorecard.periods import Period
from scorecard.snapshots import Row
from scorecard.vocabulary import ALERT_STATUSES, CITY, SEVERITY, AlertKind, Status

log = logging.getLogger(__name__)

CHART_LIMIT = 30


class NoSnapshotError(LookupError):
    """The period has no snapshot to alert on."""


@dataclass(frozen=True)
class Changes:
    """What moved since the previous month's latest snapshot."""

    previous_period: str
    previous_version: int | None
    newly: list[Row]
    worsened: list[Row]
    recovered: list[Row]


def alerting(row: Row) -> bool:
    return row.status in ALERT_STATUSES


def compare(current: Mapping[tuple[str, str], Row], previous: Mapping[tuple[str, str], Row],
            previous_period: str, previous_version: int | None) -> Changes:
    """Newly behind/lagging, worsened (behind → lagging) and recovered rows against last month."""
    newly, worsened, recovered = [], [], []
    for key, row in current.items():
        before = previous.get(key)
        was_alerting = before is not None and alerting(before)
        if alerting(row) and not was_alerting:
            newly.append(row)
        elif row.status == Status.LAGGING and before is not None and before.status == Status.BEHIND:
            worsened.append(row)
        elif was_alerting and row.status in (Status.ACHIEVED, Status.ON_TRACK):
            recovered.append(row)
    return Changes(previous_period, previous_version, newly, worsened, recovered)


def recipients(contact: str | None, team: Sequence[str]) -> list[str]:
    """A unit's contact (``unit_contact``: a plain address, None for CITY) and the data team."""
    own = [contact] if contact else []
    return own + [t for t in team if t not in own]


def unit_contact(catalog: Catalog, unit_code: str) -> str | None:
    """The contact address of a unit of the catalog; None for CITY, and for a unit without a valid one."""
    unit = catalog.units.get(unit_code)
    return sending.contact(unit.contact_email) if unit and unit_code != CITY else None


def material(row: Row, tolerance_pp: float) -> bool:
    """Whether a unit is mailed the row: ``lagging`` always, ``behind`` only beyond the tolerance (in
    percentage points) below 序时进度."""
    if row.status == Status.LAGGING:
        return True
    return row.gap is None or row.gap * 100 <= -tolerance_pp


def by_severity(rows: Iterable[Row]) -> list[Row]:
    """The worst first: lagging before behind, then the largest gap, then unit and indicator."""
    return sorted(rows, key=lambda r: (-SEVERITY.get(Status(r.status), 0),
                                       r.gap if r.gap is not None else 0.0, r.key))


def ranked_counts(rows: Iterable[Row]) -> dict[str, int]:
    """How many units are ranked on each indicator (the N of a rank n/N)."""
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.rank is not None and row.unit_code != CITY:
            counts[row.indicator_code] += 1
    return counts


def latest_period(conn: Connection, period: str) -> str:
    """The latest snapshotted period from ``period`` up to this month (``period`` itself at least)."""
    first = Period.parse(period)
    last = max(first, Period.of(date.today()))
    return max([period, *snapshots.snapshotted(conn, [str(p) for p in first.through(last)])])


def unchanged(conn: Connection, snapshot: snapshots.Snapshot) -> bool:
    """Whether the snapshot version's rows equal its previous version's (a re-take that changed nothing)."""
    if snapshot.version < 2:
        return False
    previous = snapshots.load(conn, snapshot.period, snapshot.version - 1)
    return previous is not None and {r.key: r for r in previous.rows} == {r.key: r for r in snapshot.rows}


@dataclass(frozen=True)
class Retake:
    """An earlier period of the year taken again (version > 1): shown to the team as history."""

    period: str
    version: int
    changed: bool


def retakes(conn: Connection, period: str) -> list[Retake]:
    """The earlier periods of ``period``'s year whose latest version is a re-take, and whether it changed."""
    current = Period.parse(period)
    first = Period(current.year, 1)
    earlier = [str(p) for p in first.through(current.previous())] if current > first else []
    found = []
    for name, head in sorted(snapshots.snapshotted(conn, earlier).items()):
        if head.version > 1:
            snap = snapshots.latest(conn, name)
            if snap is not None:
                found.append(Retake(name, snap.version, not unchanged(conn, snap)))
    return found


def bulletin_location(conn: Connection, snapshot_id: int) -> str | None:
    """The Chinese bulletin workbook written for a snapshot version (the warehouse's ``bulletins``)."""
    for row in conn.execute(warehouse.sql("select_web_bulletins")).mappings():
        if row["snapshot_id"] == snapshot_id and row["lang"] == "zh" and row["format"] == "xlsx":
            return str(row["location"])
    return None


def due_rows(rows: Iterable[Row], recipient: str, log_rows: Iterable[sending.Record]) -> list[Row]:
    """Rows whose status is more severe than anything already sent to ``recipient`` for them."""
    sent: dict[tuple[str, str], int] = defaultdict(int)
    for r in log_rows:
        if r["recipient"] == recipient and r["state"] == "sent":
            key = (r["unit_code"], r["indicator_code"])
            sent[key] = max(sent[key], SEVERITY.get(Status(r["status"]), 0))
    return [row for row in rows if SEVERITY[Status(row.status)] > sent[row.key]]


def chart_png(rows: Sequence[Row], catalog: Catalog) -> bytes:
    """Horizontal bars of the gap to 序时进度 (percentage points) of the worst rows, in Chinese."""
    from matplotlib.figure import Figure

    from scorecard.fonts import cjk_font

    font = cjk_font()
    lang = "zh" if font else "en"
    worst = sorted(rows, key=lambda r: (r.gap if r.gap is not None else 0.0))[:CHART_LIMIT][::-1]
    names = [f"{labels.unit_name(catalog, r.unit_code, lang)} "
             f"{labels.indicator_name(catalog, r.indicator_code, lang)}" for r in worst]
    gaps = [(r.gap or 0.0) * 100 for r in worst]
    colours = ["#c0392b" if r.status == Status.LAGGING else "#e6a23c" for r in worst]
    fig = Figure(figsize=(8, 1.2 + 0.28 * max(len(worst), 1)), layout="constrained")
    if font:
        import matplotlib

        with matplotlib.rc_context({"font.family": [font, "sans-serif"]}):
            return _draw(fig, names, gaps, colours, lang)
    return _draw(fig, names, gaps, colours, lang)


def _draw(fig: Any, names: list[str], gaps: list[float], colours: list[str], lang: str) -> bytes:
    ax = fig.subplots()
    ax.barh(names, gaps, color=colours)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlabel(labels.GAP_TO_EXPECTED.said_in(lang))
    ax.set_title(labels.ALERT_CHART_TITLE.said_in(lang))
    ax.tick_params(axis="y", labelsize=8)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96)
    return buffer.getvalue()


@dataclass(frozen=True)
class Context:
    """What a period's alert messages are planned from, beside the rows."""

    snapshot: snapshots.SnapshotVersion
    catalog: Catalog
    changes: Changes
    ranked: Mapping[str, int]
    notify_units: bool
    """False for an earlier period than the latest snapshotted one, or a re-take that changed nothing."""
    why_not_units: str
    retaken_earlier: bool
    """An earlier period than the latest snapshotted one: history, never mailed to units."""
    no_change: bool
    tolerance_pp: float
    retakes: list[Retake]
    bulletin: mail.Attachment | None
    bulletin_missing: str | None
    """The bulletin's location when it is known but could not be read."""


def _shown(row: Row, ctx: Context) -> dict[str, Any]:
    rank = labels.rank_of(row.rank, ctx.ranked.get(row.indicator_code))
    return {**labels.named(row, ctx.catalog), "rank_of": rank,
            "material": material(row, ctx.tolerance_pp)}


def _next_deadline(period: str) -> date:
    """The following period's deadline: by when a correction of ``period`` and the next report are due."""
    from scorecard.alerts.reminders import deadline

    return deadline(str(Period.parse(period).next()))


def _team_digest(rows: list[Row], due: list[Row], ctx: Context, recipient: str) -> EmailMessage:
    period, version = ctx.snapshot.period, ctx.snapshot.version
    image = mail.InlineImage(mail.new_cid(), chart_png(rows, ctx.catalog))
    due_keys = {r.key for r in due}
    lagging = sum(r.status == Status.LAGGING for r in rows)
    history = "（往期，仅供数据组）" if ctx.retaken_earlier else ""
    subject = (f"{sending.SUBJECT_PREFIX}{period} 进度预警汇总（快照第{version}版）{history}："
               f"{labels.status(Status.LAGGING)} {lagging} 项、{labels.status(Status.BEHIND)} "
               f"{len(rows) - lagging} 项" + (f"（{labels.NO_CHANGE.zh}）" if ctx.no_change else ""))
    shown = [{**_shown(r, ctx), "new": r.key in due_keys} for r in by_severity(rows)]
    return sending.compose("status_digest", [recipient], subject, _next_deadline(period), images=[image],
                           attachments=[ctx.bulletin] if ctx.bulletin else [], period=period,
                           version=version, rows=shown, changes=ctx.changes, chart_cid=image.cid,
                           bulletin=ctx.bulletin, bulletin_missing=ctx.bulletin_missing,
                           notify_units=ctx.notify_units, why_not_units=ctx.why_not_units,
                           no_change=ctx.no_change, tolerance=ctx.tolerance_pp, retakes=ctx.retakes,
                           no_change_word=labels.NO_CHANGE.zh)


def _unit_alert(due: list[Row], ctx: Context, recipient: str) -> EmailMessage:
    period, version = ctx.snapshot.period, ctx.snapshot.version
    unit_name = labels.unit_name(ctx.catalog, due[0].unit_code)
    subject = f"{sending.SUBJECT_PREFIX}{unit_name} {period} 指标进度预警（{len(due)} 项）"
    return sending.compose("status_unit", [recipient], subject, _next_deadline(period), period=period,
                           next_period=str(Period.parse(period).next()), version=version,
                           unit_name=unit_name, rows=[_shown(r, ctx) for r in by_severity(due)])


def _status_entries(period: str, snapshot_id: int, rows: Iterable[Row],
                    recipient: str) -> list[dict[str, Any]]:
    return [sending.entry(AlertKind.STATUS, period, recipient, r.unit_code, r.indicator_code, r.status,
                  snapshot_id=snapshot_id) for r in rows]


def plan(rows: list[Row], ctx: Context, log_rows: Sequence[sending.Record]) -> list[sending.Outgoing]:
    """The messages due: one digest per team address, one message per unit contact, each only if new.

    Units are mailed only their material rows (``material``), and only when ``ctx.notify_units``."""
    settings = sending.mail_settings()
    period, snapshot_id = ctx.snapshot.period, ctx.snapshot.snapshot_id
    outgoing = []
    for address in settings.team:
        due = due_rows(rows, address, log_rows)
        if due:
            message = _team_digest(rows, due, ctx, address)
            outgoing.append(sending.Outgoing(message, _status_entries(period, snapshot_id, due, address)))
    if not ctx.notify_units:
        return outgoing
    by_unit: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.unit_code != CITY and material(row, ctx.tolerance_pp):
            by_unit[row.unit_code].append(row)
    for code, unit_rows in sorted(by_unit.items()):
        contact = unit_contact(ctx.catalog, code)
        own = [a for a in recipients(contact, settings.team) if a not in settings.team]
        for address in own:
            due = due_rows(unit_rows, address, log_rows)
            if due:
                message = _unit_alert(due, ctx, address)
                outgoing.append(sending.Outgoing(message, _status_entries(period, snapshot_id, due, address)))
    return outgoing


def run(engine: Engine, period: str, mailer: mail.Mailer, dry_run: bool = False,
        bulletin_path: str | Path | None = None, by_hand: bool = True) -> dict[str, Any]:
    """Alert on the behind/lagging rows of the period's latest snapshot (contract §5 answer).

    Run by hand (``scorecard alerts --period``), the asked period is alerted as contract §5 says: each
    unit its rows, the team every row. Run by the alerts DAG (``by_hand=False``), an earlier period than
    the latest snapshotted one is history: nobody is mailed for it (the latest period's digest lists the
    re-taken earlier periods), so a catch-up or a re-take of old months never floods the units.
    Either way units are mailed only when the version changed something against the previous one, and
    only their rows beyond the tolerance (``material``, none by default); the team's digest has every
    row. ``alerts`` lists every behind/lagging row with its ``recipients`` as the contract addresses it
    (the unit's contact and the team, CITY's the team); ``delivery`` counts what this run mailed.
    ``sent`` is false with ``dry_run`` (nothing sent, nothing recorded), and false when a message could
    not be delivered (it stays in the alert log, retried by the next run); ``delivery`` counts the
    alerts sent and failed by this run and those of the period still pending afterwards.
    """
    tolerance = config.alert_tolerance_pp()
    with engine.connect() as conn:
        snapshot = snapshots.latest(conn, period)
        if snapshot is None:
            raise NoSnapshotError(f"no snapshot of {period}: take the snapshot first")
        before_period = str(Period.parse(period).previous())
        before = snapshots.latest(conn, before_period)
        catalog = warehouse.read_catalog(conn)
        log_rows = sending.logged(conn, AlertKind.STATUS, period)
        newest = latest_period(conn, period)
        no_change = unchanged(conn, snapshot)
        history = retakes(conn, period)
        location = str(bulletin_path) if bulletin_path else bulletin_location(conn, snapshot.snapshot_id)
    notify_units = (by_hand or newest == period) and not no_change
    why_not = ("" if notify_units else
               f"本版与第{snapshot.version - 1}版相同（{labels.NO_CHANGE.zh}）" if no_change else
               f"{period} 不是最新一期（最新为 {newest}），往期变化只告知数据组")
    if not notify_units:
        log.info("alerts %s v%s: units not mailed: %s", period, snapshot.version, why_not)
    rows = sorted((r for r in snapshot.rows if alerting(r)), key=lambda r: r.key)
    team = sending.mail_settings().team

    answer: dict[str, Any] = {"period": period, "version": snapshot.version,
                              "alerts": [{"unit_code": r.unit_code, "indicator_code": r.indicator_code,
                                          "status": r.status, "gap": r.gap,
                                          "recipients": recipients(unit_contact(catalog, r.unit_code), team)}
                                         for r in rows],
                              "sent": not dry_run}
    if dry_run:
        return answer
    current = sorted(snapshot.rows, key=lambda r: r.key)
    changes = compare({r.key: r for r in current}, {r.key: r for r in before.rows} if before else {},
                      before_period, before.version if before else None)
    bulletin = mail.Attachment.from_location(location) if location else None
    ctx = Context(snapshot, catalog, changes, ranked_counts(snapshot.rows), notify_units, why_not,
                  newest != period, no_change,
                  tolerance, history, bulletin, location if location and bulletin is None else None)
    outgoing = plan(rows, ctx, log_rows) if newest == period or by_hand else []
    sending.supersede_stale(engine, log_rows, outgoing)
    answer["delivery"] = sending.delivery(engine, AlertKind.STATUS, period, outgoing,
                                  sending.deliver_all(engine, mailer, outgoing))
    answer["sent"] = answer["delivery"][sending.FAILED] == 0
    log.info("alerts %s v%s: %d messages due, delivery %s", period, snapshot.version, len(outgoing),
             answer["delivery"])
    return answer
