"""Alerts by email: progress warnings after a snapshot, reminders for missing reports, rejection notices.

Every alert goes through ``alert_log``, keyed by (kind, period, unit, indicator, status, recipient, ref):
the row is written ``pending`` before the send and marked ``sent`` after it, or ``failed`` (and retried
by the next run). So a re-run, a retry or a new snapshot version that changes nothing for a recipient
sends nothing; a status that worsens (behind → lagging) is sent; an undelivered alert is never lost.
A crash between the server's acceptance and the ``sent`` mark resends once: delivery is at least once.
"""

from __future__ import annotations

import hashlib
import io
import logging
import smtplib
import socket
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from scorecard import config, mail, warehouse
from scorecard.vocabulary import ALERT_STATUSES, CITY, AlertKind, Rule, Status, SubmissionStatus

log = logging.getLogger(__name__)

SUBJECT_PREFIX = "【科技指标监测】"
SEVERITY = {Status.BEHIND: 1, Status.LAGGING: 2}
STATUS_ZH = {Status.BEHIND: "进度偏慢", Status.LAGGING: "严重滞后", Status.ACHIEVED: "已完成",
             Status.ON_TRACK: "符合序时", Status.NO_DATA: "无数据", Status.NO_TARGET: "无目标"}
CHART_LIMIT = 30
CLAIM_EXPIRY = timedelta(minutes=15)
"""A claim older than this belongs to a run that died before marking its send: the alert is free again."""
SENT, FAILED, SKIPPED = "sent", "failed", "skipped"
"""What became of a message in ``deliver_all``; skipped: another run has it in hand or sent it."""

RULE_HINTS: Mapping[Rule, str] = {
    Rule.UNREADABLE_FILE: "文件无法读取：请确认是未加密的 .xlsx 或 CSV 文件，且未损坏、未超过大小限制。",
    Rule.MISSING_METADATA: "缺少单位代码、报告期或指标表头：请按模板填写表头区和“指标代码/数值”表头。",
    Rule.UNKNOWN_UNIT: "单位代码不在单位目录中：请使用下发的单位代码。",
    Rule.BAD_PERIOD: "报告期无法识别：请写成 2026-09 或 2026年9月。",
    Rule.FUTURE_PERIOD: "报告期晚于当前月份：请检查报告期。",
    Rule.UNKNOWN_INDICATOR: "指标代码不在指标目录中：请使用模板中的指标代码。",
    Rule.NOT_APPLICABLE: "该指标不适用于本单位类型：请删除该行的数值。",
    Rule.DUPLICATE_INDICATOR: "同一指标填报了多次：每个指标只保留一行。",
    Rule.NOT_A_NUMBER: "数值不是数字：请只填写数字（可带千分位逗号）。",
    Rule.FORMULA_WITHOUT_VALUE: "公式单元格没有计算结果：请在 Excel 中重新计算并保存，或改填数值。",
    Rule.UNIT_MISMATCH: "计量单位与目录不一致且无法换算：请按目录规定的计量单位填报。",
    Rule.MISSING_VALUE: "必报指标缺失或未填数值：请补充填报。",
    Rule.NEGATIVE_VALUE: "数值为负：请核实。",
    Rule.OUT_OF_RANGE: "数值超出合理范围：请核实是否填错单位或数位。",
    Rule.ZERO_DENOMINATOR: "比率指标的分母为 0 或缺失：请填写分母。",
    Rule.NUMERATOR_EXCEEDS_DENOMINATOR: "比率指标的分子大于分母：请核实。",
    Rule.CUMULATIVE_DECREASE: "本年累计数小于此前月份已报的累计数（或大于以后月份）：请核实累计口径。",
    Rule.LARGE_CHANGE: "期末数较上月变动超过 50%：请核实（仅提示）。",
    Rule.LATE_SUBMISSION: "该月快照已生成后才收到本报表（仅提示）。",
}


class NoSnapshotError(LookupError):
    """The period has no snapshot to alert on."""


@dataclass(frozen=True)
class Row:
    """One (unit, indicator) row of a snapshot, with the names an alert shows."""

    unit_code: str
    unit_name: str | None
    contact_email: str | None
    indicator_code: str
    indicator_name: str | None
    measure_unit: str | None
    actual: float | None
    target: float | None
    completion_rate: float | None
    expected_rate: float | None
    gap: float | None
    status: str
    rank: int | None
    forecast: float | None

    @property
    def key(self) -> tuple[str, str]:
        return self.unit_code, self.indicator_code

    @property
    def alerting(self) -> bool:
        return self.status in ALERT_STATUSES

    @property
    def status_zh(self) -> str:
        return STATUS_ZH.get(Status(self.status), self.status)

    @property
    def unit_label(self) -> str:
        return "全市" if self.unit_code == CITY else (self.unit_name or self.unit_code)


@dataclass(frozen=True)
class Changes:
    """What moved since the previous month's latest snapshot."""

    previous_period: str
    previous_version: int | None
    newly: list[Row]
    worsened: list[Row]
    recovered: list[Row]


@dataclass(frozen=True)
class Outgoing:
    """One message and the alert-log keys it carries (one per subject of the message)."""

    message: EmailMessage
    entries: list[dict]


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def previous_period(period: str) -> str:
    year, month = (int(p) for p in period.split("-"))
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def next_month_first(period: str) -> date:
    year, month = (int(p) for p in period.split("-"))
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


# --- reading the warehouse -------------------------------------------------------------------------

def latest_snapshot(conn: Connection, period: str) -> Mapping | None:
    row = conn.execute(warehouse.sql("select_alert_snapshot"), {"period": period}).first()
    return row._mapping if row else None


def snapshot_rows(conn: Connection, snapshot_id: int) -> dict[tuple[str, str], Row]:
    rows = conn.execute(warehouse.sql("select_alert_rows"), {"snapshot_id": snapshot_id})
    return {(r.unit_code, r.indicator_code): Row(**r._mapping) for r in rows}


def logged(conn: Connection, kind: AlertKind, period: str) -> list[Mapping]:
    return [r._mapping for r in conn.execute(warehouse.sql("select_alert_log"),
                                             {"kind": str(kind), "period": period})]


def compare(current: Mapping[tuple[str, str], Row], previous: Mapping[tuple[str, str], Row],
            previous_period_: str, previous_version: int | None) -> Changes:
    """Newly behind/lagging, worsened (behind → lagging) and recovered rows against last month."""
    newly, worsened, recovered = [], [], []
    for key, row in current.items():
        before = previous.get(key)
        was_alerting = before is not None and before.alerting
        if row.alerting and not was_alerting:
            newly.append(row)
        elif row.status == Status.LAGGING and before is not None and before.status == Status.BEHIND:
            worsened.append(row)
        elif was_alerting and row.status in (Status.ACHIEVED, Status.ON_TRACK):
            recovered.append(row)
    return Changes(previous_period_, previous_version, newly, worsened, recovered)


# --- the alert log ---------------------------------------------------------------------------------

def entry(kind: AlertKind, period: str, recipient: str, unit_code: str = "", indicator_code: str = "",
          status: str = "", ref: str = "", snapshot_id: int | None = None,
          detail: dict | None = None) -> dict:
    return {"kind": str(kind), "period": period, "unit_code": unit_code, "indicator_code": indicator_code,
            "status": str(status), "recipient": recipient, "ref": ref, "snapshot_id": snapshot_id,
            "detail": detail, "created_at": now()}


def _upsert() -> sa.TextClause:
    return warehouse.sql("upsert_alert_log").bindparams(sa.bindparam("detail", type_=sa.JSON))


UNREACHABLE = (ConnectionError, TimeoutError, socket.gaierror, smtplib.SMTPConnectError,
               smtplib.SMTPServerDisconnected)
"""Failures that mean the mail server cannot be reached: the rest of the run is not tried."""


def _mark(engine: Engine, statement: str, outgoing: Outgoing, **values: object) -> None:
    with engine.begin() as conn:
        conn.execute(warehouse.sql(statement), [{**e, **values} for e in outgoing.entries])


def _claim(engine: Engine, outgoing: Outgoing) -> bool:
    """Record a message's alerts as pending and claim them for this run, under the alerts lock; False
    (nothing claimed) when another run has sent one of them or is sending it."""
    state = warehouse.sql("select_alert_log_state").columns(sa.column("state", sa.String),
                                                           sa.column("claimed_at", sa.DateTime))
    claimed_at = now()
    with engine.begin() as conn:
        warehouse.take_lock(conn, "alerts")
        conn.execute(_upsert(), outgoing.entries)
        rows = [conn.execute(state, e).one() for e in outgoing.entries]
        if any(r.state == "sent" or (r.state == "sending" and r.claimed_at > claimed_at - CLAIM_EXPIRY)
               for r in rows):
            return False
        conn.execute(warehouse.sql("update_alert_log_claimed"),
                     [{**e, "claimed_at": claimed_at} for e in outgoing.entries])
    return True


def deliver_all(engine: Engine, mailer: mail.Mailer, outgoing: Sequence[Outgoing]) -> list[str]:
    """Claim each message's alerts, send it, mark them sent or failed (to be retried by the next run).

    Once the server proves unreachable the remaining messages are recorded as failed without trying,
    so that a dead server costs one timeout, not one per message. Per message: ``SENT``, ``FAILED``,
    or ``SKIPPED`` when another run has it in hand.
    """
    results = []
    unreachable: str | None = None
    for item in outgoing:
        if not _claim(engine, item):
            results.append(SKIPPED)
            continue
        if unreachable:
            _mark(engine, "update_alert_log_failed", item, last_error=f"not tried: {unreachable}")
            results.append(FAILED)
            continue
        try:
            mailer.send(item.message)
        except Exception as exc:  # any failure of the mail path must leave a retryable record, not a crash
            error = f"{exc.__class__.__name__}: {exc}"[:2000]
            log.warning("mail to %s failed: %s", item.message["To"], error)
            _mark(engine, "update_alert_log_failed", item, last_error=error)
            unreachable = error if isinstance(exc, UNREACHABLE) else None
            results.append(FAILED)
            continue
        _mark(engine, "update_alert_log_sent", item, sent_at=now())
        results.append(SENT)
    return results


def delivery(engine: Engine, kind: AlertKind, period: str, outgoing: Sequence[Outgoing],
             outcomes: Sequence[str]) -> dict[str, int]:
    """Alerts (one per recipient) this run delivered and failed to deliver, and those of the period still
    undelivered in the log afterwards (failed, or in another run's hands)."""
    counts = {SENT: 0, FAILED: 0}
    for item, outcome in zip(outgoing, outcomes, strict=True):
        if outcome in counts:
            counts[outcome] += len(item.entries)
    with engine.connect() as conn:
        pending = sum(r["state"] in ("pending", "failed", "sending") for r in logged(conn, kind, period))
    return {**counts, "pending": pending}


def supersede(engine: Engine, entries: Sequence[Mapping]) -> None:
    if entries:
        with engine.begin() as conn:
            conn.execute(warehouse.sql("update_alert_log_superseded"), [dict(e) for e in entries])


def _log_key(e: Mapping) -> tuple:
    return e["kind"], e["period"], e["unit_code"], e["indicator_code"], e["status"], e["recipient"], e["ref"]


def _stale_undelivered(log_rows: Iterable[Mapping], planned: Iterable[Mapping]) -> list[Mapping]:
    """Pending/failed log rows that this run does not carry any more: they are no longer true."""
    keep = {_log_key(e) for e in planned}
    return [r for r in log_rows if r["state"] in ("pending", "failed") and _log_key(r) not in keep]


def mail_settings() -> config.MailSettings:
    """The configured sender and data team, without team entries that are not plain addresses."""
    settings = config.mail_settings()
    bad = [a for a in settings.team if not mail.is_address(a)]
    if bad:
        log.warning("ignoring team addresses that are not plain addresses: %r", bad)
    return config.MailSettings(team=[a for a in settings.team if a not in bad], sender=settings.sender)


# --- progress alerts after a snapshot --------------------------------------------------------------

def recipients(row: Row, team: Sequence[str]) -> list[str]:
    """A unit's contact (when it is a valid address) and the data team; CITY rows go to the team."""
    contact = row.contact_email.strip() if row.contact_email else None
    own = [contact] if contact and row.unit_code != CITY and mail.is_address(contact) else []
    return own + [t for t in team if t not in own]


def due_rows(rows: Iterable[Row], recipient: str, log_rows: Iterable[Mapping]) -> list[Row]:
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
    labels = [f"{r.unit_code} {r.indicator_code}" for r in worst]
    gaps = [(r.gap or 0.0) * 100 for r in worst]
    colours = ["#c0392b" if r.status == Status.LAGGING else "#e6a23c" for r in worst]
    fig = Figure(figsize=(8, 1.2 + 0.28 * max(len(worst), 1)), layout="constrained")
    ax = fig.subplots()
    ax.barh(labels, gaps, color=colours)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlabel("gap to expected progress (percentage points)")
    ax.set_title("Behind (amber) and lagging (red)")
    ax.tick_params(axis="y", labelsize=8)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96)
    return buffer.getvalue()


def _team_digest(period: str, version: int, rows: list[Row], due: list[Row], changes: Changes,
                 recipient: str, sender: str, bulletin: mail.Attachment | None) -> EmailMessage:
    image = mail.InlineImage(mail.new_cid(), chart_png(rows))
    due_keys = {r.key for r in due}
    lagging = sum(r.status == Status.LAGGING for r in rows)
    subject = (f"{SUBJECT_PREFIX}{period} 进度预警汇总（快照第{version}版）："
               f"严重滞后 {lagging} 项、进度偏慢 {len(rows) - lagging} 项")
    text, html = mail.render("status_digest", period=period, version=version, rows=rows, due_keys=due_keys,
                             changes=changes, chart_cid=image.cid, bulletin=bulletin)
    return mail.compose(sender=sender, to=[recipient], subject=subject, text=text, html=html,
                        images=[image], attachments=[bulletin] if bulletin else [])


def _unit_alert(period: str, version: int, due: list[Row], recipient: str, sender: str) -> EmailMessage:
    unit = due[0]
    subject = f"{SUBJECT_PREFIX}{unit.unit_label} {period} 指标进度预警（{len(due)} 项）"
    text, html = mail.render("status_unit", period=period, version=version, unit=unit, rows=due)
    return mail.compose(sender=sender, to=[recipient], subject=subject, text=text, html=html)


def _status_entries(period: str, snapshot_id: int, rows: Iterable[Row], recipient: str) -> list[dict]:
    return [entry(AlertKind.STATUS, period, recipient, r.unit_code, r.indicator_code, r.status,
                  snapshot_id=snapshot_id) for r in rows]


def plan(period: str, snapshot: Mapping, rows: list[Row], changes: Changes, log_rows: list[Mapping],
         bulletin: mail.Attachment | None) -> list[Outgoing]:
    """The messages due: one digest per team address, one message per unit contact, each only if new."""
    settings = mail_settings()
    outgoing = []
    for address in settings.team:
        due = due_rows(rows, address, log_rows)
        if due:
            message = _team_digest(period, snapshot["version"], rows, due, changes, address, settings.sender,
                                   bulletin)
            outgoing.append(Outgoing(message, _status_entries(period, snapshot["snapshot_id"], due, address)))
    by_unit: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.unit_code != CITY:
            by_unit[row.unit_code].append(row)
    for unit_rows in by_unit.values():
        own = [a for a in recipients(unit_rows[0], settings.team) if a not in settings.team]
        for address in own:
            due = due_rows(unit_rows, address, log_rows)
            if due:
                message = _unit_alert(period, snapshot["version"], due, address, settings.sender)
                outgoing.append(Outgoing(message, _status_entries(period, snapshot["snapshot_id"], due,
                                                                  address)))
    return outgoing


def run(engine: Engine, period: str, mailer: mail.Mailer, dry_run: bool = False,
        bulletin_path: str | Path | None = None) -> dict:
    """Alert on the behind/lagging rows of the period's latest snapshot (contract §5 answer).

    ``sent`` is false with ``dry_run`` (nothing sent, nothing recorded), and false when a message could
    not be delivered (it stays in the alert log, retried by the next run); ``delivery`` counts the
    alerts sent and failed by this run and those of the period still pending afterwards.
    """
    with engine.connect() as conn:
        snapshot = latest_snapshot(conn, period)
        if snapshot is None:
            raise NoSnapshotError(f"no snapshot of {period}: take the snapshot first")
        current = snapshot_rows(conn, snapshot["snapshot_id"])
        before_period = previous_period(period)
        before = latest_snapshot(conn, before_period)
        previous = snapshot_rows(conn, before["snapshot_id"]) if before else {}
        log_rows = logged(conn, AlertKind.STATUS, period)
    rows = [r for r in current.values() if r.alerting]
    team = mail_settings().team
    answer = {"period": period, "version": snapshot["version"],
              "alerts": [{"unit_code": r.unit_code, "indicator_code": r.indicator_code, "status": r.status,
                          "gap": r.gap, "recipients": recipients(r, team)} for r in rows],
              "sent": not dry_run}
    if dry_run:
        return answer
    changes = compare(current, previous, before_period, before["version"] if before else None)
    bulletin = (mail.Attachment.from_path(bulletin_path)
                if bulletin_path and Path(bulletin_path).is_file() else None)
    outgoing = plan(period, snapshot, rows, changes, log_rows, bulletin)
    supersede(engine, _stale_undelivered(log_rows, [e for o in outgoing for e in o.entries]))
    answer["delivery"] = delivery(engine, AlertKind.STATUS, period, outgoing,
                                  deliver_all(engine, mailer, outgoing))
    answer["sent"] = answer["delivery"][FAILED] == 0
    log.info("alerts %s v%s: %d messages due, delivery %s", period, snapshot["version"], len(outgoing),
             answer["delivery"])
    return answer


# --- missing reports -------------------------------------------------------------------------------

def deadline(period: str, day: int | None = None) -> date:
    """The reporting deadline of a period: day ``day`` (configured, default 3) of the following month."""
    return next_month_first(period).replace(day=day or config.reporting_deadline_day())


def missing_units(conn: Connection, period: str) -> list[Mapping]:
    return [r._mapping for r in conn.execute(warehouse.sql("select_alert_missing_units"),
                                             {"period": period, "accepted": str(SubmissionStatus.ACCEPTED)})]


def remind_missing(engine: Engine, period: str | None, mailer: mail.Mailer, today: date | None = None,
                   deadline_day: int | None = None) -> dict:
    """From the deadline on, remind each unit that has not reported ``period`` and send the team the list.

    ``period`` defaults to the month before ``today``. Before the deadline nothing is sent. Each unit is
    reminded once per period, and the team told once per unit (kind ``missing`` in the alert log).
    """
    today = today or date.today()
    period = period or previous_period(f"{today.year}-{today.month:02d}")
    due_date = deadline(period, deadline_day)
    answer: dict = {"period": period, "deadline": due_date.isoformat(), "due": today >= due_date,
                    "missing_units": [], "reminded": [], "sent": False}
    if not answer["due"]:
        return answer
    with engine.connect() as conn:
        units = missing_units(conn, period)
        log_rows = logged(conn, AlertKind.MISSING, period)
    answer["missing_units"] = [u["unit_code"] for u in units]
    outgoing = _missing_plan(period, due_date, units, log_rows)
    supersede(engine, _stale_undelivered(log_rows, [e for o, _ in outgoing for e in o.entries]))
    outcomes = deliver_all(engine, mailer, [item for item, _ in outgoing])
    answer["reminded"] = [code for (_, code), outcome in zip(outgoing, outcomes, strict=True)
                          if outcome == SENT and code]
    answer["delivery"] = delivery(engine, AlertKind.MISSING, period, [item for item, _ in outgoing], outcomes)
    answer["sent"] = answer["delivery"][FAILED] == 0
    return answer


def _missing_plan(period: str, due_date: date, units: list[Mapping],
                  log_rows: list[Mapping]) -> list[tuple[Outgoing, str | None]]:
    """Reminders to the units not yet reminded, and one list per team address with news on it."""
    settings = mail_settings()
    sent = {(r["unit_code"], r["recipient"]) for r in log_rows if r["state"] == "sent"}
    outgoing: list[tuple[Outgoing, str | None]] = []
    for unit in units:
        contact = (unit["contact_email"] or "").strip()
        if mail.is_address(contact) and (unit["unit_code"], contact) not in sent:
            subject = f"{SUBJECT_PREFIX}请尽快报送 {period} 月度数据（{unit['unit_name']}）"
            text, html = mail.render("missing_unit", period=period, deadline=due_date, unit=unit)
            message = mail.compose(sender=settings.sender, to=[contact], subject=subject, text=text,
                                   html=html)
            entries = [entry(AlertKind.MISSING, period, contact, unit["unit_code"], status="missing")]
            outgoing.append((Outgoing(message, entries), unit["unit_code"]))
    for address in settings.team:
        new = [u for u in units if (u["unit_code"], address) not in sent]
        if new:
            subject = f"{SUBJECT_PREFIX}{period} 月度数据未报送单位 {len(units)} 家"
            text, html = mail.render("missing_team", period=period, deadline=due_date, units=units,
                                     new_codes={u["unit_code"] for u in new})
            message = mail.compose(sender=settings.sender, to=[address], subject=subject, text=text,
                                   html=html)
            entries = [entry(AlertKind.MISSING, period, address, u["unit_code"], status="missing")
                       for u in new]
            outgoing.append((Outgoing(message, entries), None))
    return outgoing


# --- rejected submissions --------------------------------------------------------------------------

def explain(errors: Iterable[Mapping]) -> list[dict]:
    """Each error with where it is (cell or line) and a hint on how to fix it, in Chinese."""
    explained = []
    for error in errors:
        rule = str(error.get("rule") or "")
        message = error.get("message")
        if isinstance(message, Mapping):
            message = " / ".join(str(v) for v in message.values())
        where = (f"单元格 {error['cell']}" if error.get("cell") else
                 f"第 {error['line']} 行" if error.get("line") else "")
        hint = RULE_HINTS.get(Rule(rule)) if rule in Rule._value2member_map_ else None
        explained.append({"rule": rule, "where": where, "indicator_code": error.get("indicator_code") or "",
                          "message": str(message or ""), "hint": hint or ""})
    return explained


def _rejection(detail: Mapping, recipient: str, unit_name: str | None) -> EmailMessage:
    feedback = detail.get("feedback_path")
    attachment = mail.Attachment.from_path(feedback) if feedback and Path(feedback).is_file() else None
    subject = (f"{SUBJECT_PREFIX}{unit_name or detail['unit_code'] or '未知单位'} {detail['period'] or ''} "
               f"报送文件未通过校验：{detail['file_name']}")
    text, html = mail.render("rejected", detail=detail, unit_name=unit_name,
                             errors=explain(detail.get("errors") or []), feedback=attachment)
    return mail.compose(sender=mail_settings().sender, to=[recipient], subject=subject, text=text,
                        html=html, attachments=[attachment] if attachment else [])


def log_ref(text: str) -> str:
    """``text`` as an alert-log ref (at most 255 characters; a longer one keeps a hash of the whole)."""
    return text if len(text) <= 255 else f"{text[:190]}#{hashlib.sha256(text.encode()).hexdigest()}"


def _unit(conn: Connection, unit_code: str | None) -> Mapping | None:
    if not unit_code:
        return None
    return next((r._mapping for r in conn.execute(warehouse.sql("select_units"))
                 if r.unit_code == unit_code), None)


def notify_rejection(engine: Engine, mailer: mail.Mailer, unit_code: str | None, period: str | None,
                     file_name: str, errors: list[dict], feedback_path: str | None,
                     ref: str | None = None) -> str:
    """Send the unit's contact (the team when the unit has none) the errors of a rejected file.

    ``ref`` identifies the file for deduplication (pass its SHA-256; default ``file_name``). Returns
    ``sent``, ``already_sent`` or ``failed`` (then ``retry_rejections`` sends it later).
    """
    with engine.connect() as conn:
        unit = _unit(conn, unit_code)
        log_rows = logged(conn, AlertKind.REJECTED, period or "")
    contact = (unit["contact_email"] or "").strip() if unit else ""
    targets = [contact] if mail.is_address(contact) else mail_settings().team
    detail = {"unit_code": unit_code or "", "period": period or "", "file_name": file_name,
              "errors": errors, "feedback_path": feedback_path}
    ref = log_ref(ref or file_name)
    sent = {r["recipient"] for r in log_rows if r["ref"] == ref and r["state"] == "sent"}
    outcome = "already_sent"
    for recipient in targets:
        if recipient in sent:
            continue
        message = _rejection(detail, recipient, unit["name_zh"] if unit else None)
        entries = [entry(AlertKind.REJECTED, period or "", recipient, unit_code or "", status="rejected",
                         ref=ref, detail=detail)]
        [sent_now] = deliver_all(engine, mailer, [Outgoing(message, entries)])
        outcome = {SENT: "sent", FAILED: "failed", SKIPPED: "already_sent"}[sent_now]
    return outcome


def retry_rejections(engine: Engine, mailer: mail.Mailer) -> int:
    """Resend the rejection notices whose send failed; the number delivered now."""
    query = warehouse.sql("select_pending_alert_log").columns(detail=sa.JSON)
    with engine.connect() as conn:
        pending = [dict(r._mapping) for r in conn.execute(query, {"kind": str(AlertKind.REJECTED)})]
        units = {r["unit_code"]: _unit(conn, r["unit_code"]) for r in pending}
    outgoing = []
    for row in pending:
        unit = units[row["unit_code"]]
        message = _rejection(row["detail"], row["recipient"], unit["name_zh"] if unit else None)
        entries = [entry(AlertKind.REJECTED, row["period"], row["recipient"], row["unit_code"],
                         status="rejected", ref=row["ref"], detail=row["detail"])]
        outgoing.append(Outgoing(message, entries))
    return deliver_all(engine, mailer, outgoing).count(SENT)
