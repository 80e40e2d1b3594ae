"""The alert log and the sending every kind of alert goes through.

Every alert is a row of ``alert_log``, keyed by (kind, period, unit, indicator, status, recipient, ref):
written ``pending`` before the send, claimed by one run under the alerts lock, and marked ``sent`` after
it or ``failed`` (retried by the next run). A crash between the server's acceptance and the ``sent`` mark
resends once: delivery is at least once.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from functools import cache
from typing import Any, TypeAlias

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from scorecard import config, mail, warehouse
from scorecard.vocabulary import AlertKind

log = logging.getLogger(__name__)

SUBJECT_PREFIX = "【科技指标监测】"
CLAIM_EXPIRY = timedelta(minutes=15)
"""A claim older than this belongs to a run that died before marking its send: the alert is free again."""
SENT, FAILED, SKIPPED = "sent", "failed", "skipped"
"""What became of a message in ``deliver_all``; skipped: another run has it in hand or sent it."""
UNREACHABLE = (ConnectionError, TimeoutError, socket.gaierror, smtplib.SMTPConnectError,
               smtplib.SMTPServerDisconnected)
"""Failures that mean the mail server cannot be reached: the rest of the run is not tried."""
Record: TypeAlias = Mapping[str, Any] | sa.RowMapping
"""A row by column name: as read from the warehouse (``logged``), or a dict of the same columns."""


@dataclass(frozen=True)
class Outgoing:
    """One message and the alert-log keys it carries (one per subject of the message)."""

    message: EmailMessage
    entries: list[dict[str, Any]]


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def mail_settings() -> config.MailSettings:
    """The configured sender and data team, without team entries that are not plain addresses."""
    settings = config.mail_settings()
    bad = [a for a in settings.team if not mail.is_address(a)]
    if bad:
        log.warning("ignoring team addresses that are not plain addresses: %r", bad)
    if settings.sender.endswith("@localhost"):
        _warn_local_sender(settings.sender)
    return config.MailSettings(team=[a for a in settings.team if a not in bad], sender=settings.sender)


@cache
def _warn_local_sender(sender: str) -> None:
    log.warning("mail goes out from %s: set SCORECARD_MAIL_FROM to the bureau's address", sender)


@dataclass(frozen=True)
class Action:
    """What every email tells its reader to do: by when, how and where to (re)submit, whom to contact."""

    deadline: date | None
    how: str
    contact: str
    reply_to: str | None


def action(deadline: date | None) -> Action:
    """The configured instructions (``SCORECARD_RESUBMIT_HOW``, ``SCORECARD_CONTACT``, ``SCORECARD_REPLY_TO``)
    with ``deadline``."""
    reply_to = config.reply_to()
    reply_to = reply_to if reply_to and mail.is_address(reply_to) else None
    how = config.resubmit_instructions().rstrip("。.") or (
        "按填报模板（.xlsx）填写整份报表，直接回复本邮件并附上该报表（文件名请含单位代码和报告期）")
    return Action(deadline, how, config.data_team_contact() or "市科技局数据组", reply_to)


def compose(template: str, to: Sequence[str], subject: str, act_by: date | None,
            images: Sequence[mail.InlineImage] = (), attachments: Sequence[mail.Attachment] = (),
            **context: object) -> EmailMessage:
    """A message from ``templates/mail/<template>``, from the configured sender, with a Reply-To to the data
    team and the ``action`` the reader is asked to take by ``act_by`` (the templates' ``action``)."""
    todo = action(act_by)
    text, html = mail.render(template, action=todo, **context)
    return mail.compose(sender=mail_settings().sender, to=to, subject=subject, text=text, html=html,
                        images=images, attachments=attachments, reply_to=todo.reply_to)


def contact(address: str | None) -> str | None:
    """A unit's contact address when it is a plain address, else None."""
    address = (address or "").strip()
    return address if mail.is_address(address) else None


def log_ref(text: str) -> str:
    """``text`` as an alert-log ref (at most 255 characters; a longer one keeps a hash of the whole)."""
    return text if len(text) <= 255 else f"{text[:190]}#{hashlib.sha256(text.encode()).hexdigest()}"


def entry(kind: AlertKind, period: str, recipient: str, unit_code: str = "", indicator_code: str = "",
          status: str = "", ref: str = "", snapshot_id: int | None = None,
          detail: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"kind": str(kind), "period": period, "unit_code": unit_code, "indicator_code": indicator_code,
            "status": str(status), "recipient": recipient, "ref": ref, "snapshot_id": snapshot_id,
            "detail": detail, "created_at": now()}


def logged(conn: Connection, kind: AlertKind, period: str) -> list[sa.RowMapping]:
    return [r._mapping for r in conn.execute(warehouse.sql("select_alert_log"),
                                             {"kind": str(kind), "period": period})]


def _mark(engine: Engine, statement: str, outgoing: Outgoing, **values: object) -> None:
    with engine.begin() as conn:
        conn.execute(warehouse.sql(statement), [{**e, **values} for e in outgoing.entries])


def _claim(engine: Engine, outgoing: Outgoing) -> bool:
    """Record a message's alerts as pending and claim them for this run, under the alerts lock; False
    (nothing claimed) when another run has sent one of them or is sending it."""
    state = warehouse.sql("select_alert_log_state")
    claimed_at = now()
    with engine.begin() as conn:
        warehouse.take_lock(conn, "alerts")
        conn.execute(warehouse.sql("upsert_alert_log"), outgoing.entries)
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


def _log_key(e: Record) -> tuple[str, str, str, str, str, str, str]:
    return e["kind"], e["period"], e["unit_code"], e["indicator_code"], e["status"], e["recipient"], e["ref"]


def supersede_stale(engine: Engine, log_rows: Iterable[Record], outgoing: Iterable[Outgoing]) -> None:
    """Mark superseded the pending or failed alerts of ``log_rows`` that this run's messages no longer
    carry: they are not true any more (a row that recovered before its alert got through)."""
    keep = {_log_key(e) for item in outgoing for e in item.entries}
    stale = [dict(r) for r in log_rows if r["state"] in ("pending", "failed") and _log_key(r) not in keep]
    if stale:
        with engine.begin() as conn:
            conn.execute(warehouse.sql("update_alert_log_superseded"), stale)
