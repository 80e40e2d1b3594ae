"""Rejection notices: a rejected file's errors, each with where it is and how to fix it, mailed to the
unit's contact (the data team when the unit has none) once per file, with its feedback workbook."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from scorecard import mail, warehouse
from scorecard.alerts import sending
from scorecard.model import Rejection
from scorecard.vocabulary import AlertKind, Rule

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
        explained.append({"rule": rule, "where": where, "indicator_code": error.get("indicator_code") or "",
                          "message": str(message or ""), "hint": hint or ""})
    return explained


def _notice(rejection: Rejection, recipient: str, unit_name: str | None) -> EmailMessage:
    feedback = rejection.feedback_path
    attachment = mail.Attachment.from_path(feedback) if feedback and Path(feedback).is_file() else None
    subject = (f"{sending.SUBJECT_PREFIX}{unit_name or rejection.unit_code or '未知单位'} "
               f"{rejection.period or ''} 报送文件未通过校验：{rejection.file_name}")
    text, html = mail.render("rejected", rejection=rejection, unit_name=unit_name,
                             errors=explain(rejection.errors), feedback=attachment)
    return mail.compose(sender=sending.mail_settings().sender, to=[recipient], subject=subject, text=text,
                        html=html, attachments=[attachment] if attachment else [])


def notify_rejection(engine: Engine, mailer: mail.Mailer, rejection: Rejection) -> str:
    """Send the unit's contact (the team when the unit has none) the errors of a rejected file, once per
    file content (its SHA-256). Returns ``sent``, ``already_sent`` or ``failed`` (then
    ``retry_rejections`` sends it later).
    """
    unit_code, period = rejection.unit_code, rejection.period
    with engine.connect() as conn:
        unit = warehouse.read_catalog(conn).units.get(unit_code or "")
        log_rows = sending.logged(conn, AlertKind.REJECTED, period or "")
    address = sending.contact(unit.contact_email) if unit else None
    targets = [address] if address else sending.mail_settings().team
    detail = rejection.as_json()
    ref = sending.log_ref(rejection.sha256 or rejection.file_name)
    sent = {r["recipient"] for r in log_rows if r["ref"] == ref and r["state"] == "sent"}
    outcome = "already_sent"
    for recipient in targets:
        if recipient in sent:
            continue
        message = _notice(rejection, recipient, unit.name_zh if unit else None)
        entries = [sending.entry(AlertKind.REJECTED, period or "", recipient, unit_code or "",
                                 status="rejected", ref=ref, detail=detail)]
        [sent_now] = sending.deliver_all(engine, mailer, [sending.Outgoing(message, entries)])
        outcome = {sending.SENT: "sent", sending.FAILED: "failed", sending.SKIPPED: "already_sent"}[sent_now]
    return outcome


def retry_rejections(engine: Engine, mailer: mail.Mailer) -> int:
    """Resend the rejection notices whose send failed; the number delivered now."""
    query = warehouse.sql("select_pending_alert_log").columns(detail=sa.JSON)
    with engine.connect() as conn:
        pending = [dict(r._mapping) for r in conn.execute(query, {"kind": str(AlertKind.REJECTED)})]
        units = warehouse.read_catalog(conn).units if pending else {}
    outgoing = []
    for row in pending:
        unit = units.get(row["unit_code"])
        rejection = Rejection.from_json(row["detail"])
        message = _notice(rejection, row["recipient"], unit.name_zh if unit else None)
        entries = [sending.entry(AlertKind.REJECTED, row["period"], row["recipient"], row["unit_code"],
                                 status="rejected", ref=row["ref"], detail=row["detail"])]
        outgoing.append(sending.Outgoing(message, entries))
    return sending.deliver_all(engine, mailer, outgoing).count(sending.SENT)
