"""Reminders for missing reports: from the reporting deadline on, each unit that has not reported a month
is reminded once, and the data team is sent the list (kind ``missing`` in the alert log)."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine, RowMapping

from scorecard import config, mail, warehouse
from scorecard.alerts import sending
from scorecard.catalog import Catalog
from scorecard.periods import Period
from scorecard.vocabulary import AlertKind, SubmissionStatus

log = logging.getLogger(__name__)


def deadline(period: str, day: int | None = None) -> date:
    """The reporting deadline of a period: day ``day`` (configured, default 3) of the following month."""
    return Period.parse(period).deadline(day or config.reporting_deadline_day())


def missing_units(conn: Connection, period: str) -> list[RowMapping]:
    return [r._mapping for r in conn.execute(warehouse.sql("select_alert_missing_units"),
                                             {"period": period, "accepted": str(SubmissionStatus.ACCEPTED)})]


def remind_missing(engine: Engine, period: str | None, mailer: mail.Mailer, today: date | None = None,
                   deadline_day: int | None = None) -> dict[str, Any]:
    """From the deadline on, remind each unit that has not reported ``period`` and send the team the list.

    ``period`` defaults to the month before ``today``. Before the deadline nothing is sent. Each unit is
    reminded once per period, and the team told once per unit (kind ``missing`` in the alert log).
    """
    today = today or date.today()
    period = period or str(Period.of(today).previous())
    due_date = deadline(period, deadline_day)
    answer: dict[str, Any] = {"period": period, "deadline": due_date.isoformat(), "due": today >= due_date,
                    "missing_units": [], "reminded": [], "sent": False}
    if not answer["due"]:
        return answer
    with engine.connect() as conn:
        units = missing_units(conn, period)
        log_rows = sending.logged(conn, AlertKind.MISSING, period)
        catalog = warehouse.read_catalog(conn)
    answer["missing_units"] = [u["unit_code"] for u in units]
    planned = _plan(period, due_date, units, log_rows, catalog)
    outgoing = [item for item, _ in planned]
    sending.supersede_stale(engine, log_rows, outgoing)
    outcomes = sending.deliver_all(engine, mailer, outgoing)
    answer["reminded"] = [code for (_, code), outcome in zip(planned, outcomes, strict=True)
                          if outcome == sending.SENT and code]
    answer["delivery"] = sending.delivery(engine, AlertKind.MISSING, period, outgoing, outcomes)
    answer["sent"] = answer["delivery"][sending.FAILED] == 0
    return answer


def blank_form(catalog: Catalog, unit_code: str, period: str) -> mail.Attachment | None:
    """The unit's blank form of ``period`` (``forms.write_template``); None, logged, if it cannot be made."""
    from scorecard import forms

    try:
        with tempfile.TemporaryDirectory(prefix="scorecard-form-") as folder:
            path = forms.write_template(catalog, unit_code, period,
                                        Path(folder) / f"{unit_code}_{period}_填报模板.xlsx")
            return mail.Attachment.from_path(path)
    except (ValueError, OSError) as exc:
        log.warning("reminder to %s %s goes without its blank form: %s", unit_code, period, exc)
        return None


def _plan(period: str, due_date: date, units: Sequence[sending.Record], log_rows: Sequence[sending.Record],
          catalog: Catalog) -> list[tuple[sending.Outgoing, str | None]]:
    """Reminders to the units not yet reminded (with the unit's code), and one list per team address with
    news on it (with None)."""
    settings = sending.mail_settings()
    sent = {(r["unit_code"], r["recipient"]) for r in log_rows if r["state"] == "sent"}
    outgoing: list[tuple[sending.Outgoing, str | None]] = []
    for unit in units:
        address = sending.contact(unit["contact_email"])
        if address and (unit["unit_code"], address) not in sent:
            subject = f"{sending.SUBJECT_PREFIX}请尽快报送 {period} 月度数据（{unit['unit_name']}）"
            form = blank_form(catalog, unit["unit_code"], period)
            message = sending.compose("missing_unit", [address], subject, due_date,
                                      attachments=[form] if form else [], period=period, deadline=due_date,
                                      unit=unit, form=form)
            entries = [sending.entry(AlertKind.MISSING, period, address, unit["unit_code"], status="missing")]
            outgoing.append((sending.Outgoing(message, entries), unit["unit_code"]))
    for address in settings.team:
        new = [u for u in units if (u["unit_code"], address) not in sent]
        if new:
            subject = f"{sending.SUBJECT_PREFIX}{period} 月度数据未报送单位 {len(units)} 家"
            message = sending.compose("missing_team", [address], subject, due_date, period=period,
                                      deadline=due_date, units=units, new_codes={u["unit_code"] for u in new})
            entries = [sending.entry(AlertKind.MISSING, period, address, u["unit_code"], status="missing")
                       for u in new]
            outgoing.append((sending.Outgoing(message, entries), None))
    return outgoing
