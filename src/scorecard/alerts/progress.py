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
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from scorecard import labels, mail, snapshots, warehouse
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


def due_rows(rows: Iterable[Row], recipient: str, log_rows: Iterable[sending.Record]) -> list[Row]:
    """Rows whose status is more severe than anything already sent to ``recipient`` for them."""
    sent: dict[tuple[str, str], int] = defaultdict(int)
    for r in log_rows:
        if r["recipient"] == recipient and r["state"] == "sent":
            key = (r["unit_code"], r["indicator_code"])
            sent[key] = max(sent[key], SEVERITY.get(Status(r["status"]), 0))
    return [row for row in rows if SEVERITY[Status(row.status)] > sent[row.key]]


def chart_png(rows: Sequence[Row]) -> bytes:
    """Horizontal bars of the gap to 序时进度 (percentage points) of the worst rows."""
    from matplotlib.figure import Figure

    worst = sorted(rows, key=lambda r: (r.gap if r.gap is not None else 0.0))[:CHART_LIMIT][::-1]
    names = [f"{r.unit_code} {r.indicator_code}" for r in worst]
    gaps = [(r.gap or 0.0) * 100 for r in worst]
    colours = ["#c0392b" if r.status == Status.LAGGING else "#e6a23c" for r in worst]
    fig = Figure(figsize=(8, 1.2 + 0.28 * max(len(worst), 1)), layout="constrained")
    ax = fig.subplots()
    ax.barh(names, gaps, color=colours)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlabel(f"gap to expected progress ({labels.POINTS.en})")
    ax.set_title(f"{labels.status(Status.BEHIND, 'en').capitalize()} (amber) and "
                 f"{labels.status(Status.LAGGING, 'en')} (red)")
    ax.tick_params(axis="y", labelsize=8)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96)
    return buffer.getvalue()


def _team_digest(period: str, version: int, rows: list[Row], due: list[Row], changes: Changes,
                 catalog: Catalog, recipient: str, sender: str,
                 bulletin: mail.Attachment | None) -> EmailMessage:
    image = mail.InlineImage(mail.new_cid(), chart_png(rows))
    due_keys = {r.key for r in due}
    lagging = sum(r.status == Status.LAGGING for r in rows)
    subject = (f"{sending.SUBJECT_PREFIX}{period} 进度预警汇总（快照第{version}版）："
               f"{labels.status(Status.LAGGING)} {lagging} 项、{labels.status(Status.BEHIND)} "
               f"{len(rows) - lagging} 项")
    shown = [{**labels.named(r, catalog), "new": r.key in due_keys} for r in rows]
    text, html = mail.render("status_digest", period=period, version=version, rows=shown, changes=changes,
                             chart_cid=image.cid, bulletin=bulletin)
    return mail.compose(sender=sender, to=[recipient], subject=subject, text=text, html=html,
                        images=[image], attachments=[bulletin] if bulletin else [])


def _unit_alert(period: str, version: int, due: list[Row], catalog: Catalog, recipient: str,
                sender: str) -> EmailMessage:
    unit_name = labels.unit_name(catalog, due[0].unit_code)
    subject = f"{sending.SUBJECT_PREFIX}{unit_name} {period} 指标进度预警（{len(due)} 项）"
    text, html = mail.render("status_unit", period=period, version=version, unit_name=unit_name,
                             rows=[labels.named(r, catalog) for r in due])
    return mail.compose(sender=sender, to=[recipient], subject=subject, text=text, html=html)


def _status_entries(period: str, snapshot_id: int, rows: Iterable[Row],
                    recipient: str) -> list[dict[str, Any]]:
    return [sending.entry(AlertKind.STATUS, period, recipient, r.unit_code, r.indicator_code, r.status,
                  snapshot_id=snapshot_id) for r in rows]


def plan(snapshot: snapshots.SnapshotVersion, rows: list[Row], changes: Changes, catalog: Catalog,
         log_rows: Sequence[sending.Record], bulletin: mail.Attachment | None) -> list[sending.Outgoing]:
    """The messages due: one digest per team address, one message per unit contact, each only if new."""
    settings = sending.mail_settings()
    period, version, snapshot_id = snapshot.period, snapshot.version, snapshot.snapshot_id
    outgoing = []
    for address in settings.team:
        due = due_rows(rows, address, log_rows)
        if due:
            message = _team_digest(period, version, rows, due, changes, catalog, address, settings.sender,
                                   bulletin)
            outgoing.append(sending.Outgoing(message, _status_entries(period, snapshot_id, due, address)))
    by_unit: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.unit_code != CITY:
            by_unit[row.unit_code].append(row)
    for code, unit_rows in by_unit.items():
        own = [a for a in recipients(unit_contact(catalog, code), settings.team) if a not in settings.team]
        for address in own:
            due = due_rows(unit_rows, address, log_rows)
            if due:
                message = _unit_alert(period, version, due, catalog, address, settings.sender)
                outgoing.append(sending.Outgoing(message, _status_entries(period, snapshot_id, due, address)))
    return outgoing


def run(engine: Engine, period: str, mailer: mail.Mailer, dry_run: bool = False,
        bulletin_path: str | Path | None = None) -> dict[str, Any]:
    """Alert on the behind/lagging rows of the period's latest snapshot (contract §5 answer).

    ``sent`` is false with ``dry_run`` (nothing sent, nothing recorded), and false when a message could
    not be delivered (it stays in the alert log, retried by the next run); ``delivery`` counts the
    alerts sent and failed by this run and those of the period still pending afterwards.
    """
    with engine.connect() as conn:
        snapshot = snapshots.latest(conn, period)
        if snapshot is None:
            raise NoSnapshotError(f"no snapshot of {period}: take the snapshot first")
        before_period = str(Period.parse(period).previous())
        before = snapshots.latest(conn, before_period)
        catalog = warehouse.read_catalog(conn)
        log_rows = sending.logged(conn, AlertKind.STATUS, period)
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
    bulletin = (mail.Attachment.from_path(bulletin_path)
                if bulletin_path and Path(bulletin_path).is_file() else None)
    outgoing = plan(snapshot, rows, changes, catalog, log_rows, bulletin)
    sending.supersede_stale(engine, log_rows, outgoing)
    answer["delivery"] = sending.delivery(engine, AlertKind.STATUS, period, outgoing,
                                  sending.deliver_all(engine, mailer, outgoing))
    answer["sent"] = answer["delivery"][sending.FAILED] == 0
    log.info("alerts %s v%s: %d messages due, delivery %s", period, snapshot.version, len(outgoing),
             answer["delivery"])
    return answer
