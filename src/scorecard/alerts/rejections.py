"""Rejection notices: a rejected file's errors, each with where it is and how to fix it, mailed to the
unit's contact (the data team when the unit has none) once per file, with its feedback workbook."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from email.message import EmailMessage
from typing import Any

from sqlalchemy.engine import Engine

from scorecard import mail, warehouse
from scorecard.alerts import sending
from scorecard.labels import RULE_HINTS
from scorecard.model import Rejection
from scorecard.vocabulary import AlertKind, Rule

_LOCATION_PREFIX = re.compile(
    r"^(?:\s*(?:单元格\s*[A-Z]+\d+|第\s*\d+\s*行|cell\s+[A-Z]+\d+|line\s+\d+)\s*[：:]\s*)+", re.IGNORECASE)


def _without_location(message: str) -> str:
    """``message`` without the cell or line it starts with in each language (the notice shows it once)."""
    return " / ".join(_LOCATION_PREFIX.sub("", part) for part in message.split(" / "))


def explain(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
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
        if hint and "：" in hint:  # the hint's first half names the problem, which the message says already
            hint = hint.split("：", 1)[1]
        text = str(message or "")
        explained.append({"rule": rule, "where": where, "indicator_code": error.get("indicator_code") or "",
                          "message": _without_location(text) if where else text, "hint": hint or ""})
    return explained


def _deadline(period: str | None) -> date | None:
    from scorecard.alerts.reminders import deadline

    try:
        return deadline(period) if period else None
    except ValueError:
        return None


def _notice(rejections: Sequence[Rejection], recipient: str, unit_name: str | None) -> EmailMessage:
    """One message for the rejected files of one unit: each file's errors, and each feedback workbook."""
    files, attachments = [], []
    for rejection in rejections:
        feedback = rejection.feedback_path
        attachment = mail.Attachment.from_location(feedback) if feedback else None
        if attachment:
            attachments.append(attachment)
        files.append({"rejection": rejection, "errors": explain(rejection.errors), "feedback": attachment,
                      "feedback_missing": bool(feedback) and attachment is None})
    first = rejections[0]
    who = unit_name or first.unit_code or "未知单位"
    periods = sorted({r.period for r in rejections if r.period})
    if len(rejections) == 1:
        subject = f"{sending.SUBJECT_PREFIX}{who} {first.period or ''} 报送文件未通过校验：{first.file_name}"
    else:
        subject = (f"{sending.SUBJECT_PREFIX}{who} {'、'.join(periods)} 报送文件未通过校验"
                   f"（{len(rejections)} 个文件）")
    return sending.compose("rejected", [recipient], subject, _deadline(periods[0] if periods else None),
                           attachments=attachments, unit_name=unit_name,
                           unit_code=first.unit_code, files=files, periods=periods)


OUTCOMES = {sending.SENT: "sent", sending.FAILED: "failed", sending.SKIPPED: "already_sent"}


def _outcome(results: Iterable[str]) -> str:
    """A rejection's outcome over its recipients: failed if any failed, else sent if any was sent."""
    found = {OUTCOMES[r] for r in results}
    return next((o for o in ("failed", "sent") if o in found), "already_sent")


def _entry(rejection: Rejection, recipient: str, ref: str) -> dict[str, Any]:
    return sending.entry(AlertKind.REJECTED, rejection.period or "", recipient, rejection.unit_code or "",
                         status="rejected", ref=ref, detail=rejection.as_json())


def notify_rejections(engine: Engine, mailer: mail.Mailer, rejections: Sequence[Rejection]) -> list[str]:
    """Send each unit's contact (the team when the unit has none) one message with the errors of all its
    files rejected in this run; each file's notice is sent once per file content (its SHA-256) and
    recipient. Returns, per rejection, ``sent``, ``already_sent`` or ``failed`` (then
    ``retry_rejections`` sends it later).
    """
    periods = sorted({r.period or "" for r in rejections})
    with engine.connect() as conn:
        units = warehouse.read_catalog(conn).units if rejections else {}
        log_rows = [row for period in periods for row in sending.logged(conn, AlertKind.REJECTED, period)]
    sent = {(r["period"], r["recipient"], r["ref"]) for r in log_rows if r["state"] == "sent"}
    team = sending.mail_settings().team
    groups: dict[tuple[str, str], list[tuple[int, Rejection, str]]] = defaultdict(list)
    for index, rejection in enumerate(rejections):
        unit = units.get(rejection.unit_code or "")
        address = sending.contact(unit.contact_email) if unit else None
        ref = sending.log_ref(rejection.sha256 or rejection.file_name)
        for recipient in [address] if address else team:
            if (rejection.period or "", recipient, ref) not in sent:
                groups[recipient, rejection.unit_code or ""].append((index, rejection, ref))
    outgoing, members = [], []
    for (recipient, unit_code), items in groups.items():
        unit = units.get(unit_code)
        message = _notice([r for _, r, _ in items], recipient, unit.name_zh if unit else None)
        outgoing.append(sending.Outgoing(message, [_entry(r, recipient, ref) for _, r, ref in items]))
        members.append([index for index, _, _ in items])
    results: dict[int, list[str]] = defaultdict(list)
    for indexes, result in zip(members, sending.deliver_all(engine, mailer, outgoing), strict=True):
        for index in indexes:
            results[index].append(result)
    return [_outcome(results[index]) for index in range(len(rejections))]


def notify_rejection(engine: Engine, mailer: mail.Mailer, rejection: Rejection) -> str:
    """``notify_rejections`` of one rejected file: ``sent``, ``already_sent`` or ``failed``."""
    [outcome] = notify_rejections(engine, mailer, [rejection])
    return outcome


def retry_rejections(engine: Engine, mailer: mail.Mailer) -> int:
    """Resend the rejection notices whose send failed, one message per recipient and unit; the number of
    notices (one per file and recipient) delivered now."""
    query = warehouse.sql("select_pending_alert_log")
    with engine.connect() as conn:
        pending = [dict(r._mapping) for r in conn.execute(query, {"kind": str(AlertKind.REJECTED)})]
        units = warehouse.read_catalog(conn).units if pending else {}
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in pending:
        groups[row["recipient"], row["unit_code"]].append(row)
    outgoing = []
    for (recipient, unit_code), rows in groups.items():
        unit = units.get(unit_code)
        message = _notice([Rejection.from_json(r["detail"]) for r in rows], recipient,
                          unit.name_zh if unit else None)
        entries = [sending.entry(AlertKind.REJECTED, r["period"], recipient, unit_code, status="rejected",
                                 ref=r["ref"], detail=r["detail"]) for r in rows]
        outgoing.append(sending.Outgoing(message, entries))
    results = sending.deliver_all(engine, mailer, outgoing)
    return sum(len(item.entries) for item, result in zip(outgoing, results, strict=True)
               if result == sending.SENT)
