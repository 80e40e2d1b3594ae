"""What every scorecard DAG shares: time zone, start date, default task arguments with the team's failure
email, and the ``period`` param. DAG files import this module when the scheduler parses them: it imports
nothing heavy.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pendulum
from airflow.providers.smtp.notifications.smtp import SmtpNotifier
from airflow.sdk import Param

from scorecard import config
from scorecard.periods import TIMEZONE, Period

__all__ = ["BATCH_SIZE", "START_DATE", "TIMEZONE", "TeamFailureNotifier", "default_args", "period_param"]

PERIOD_PATTERN = r"^(20\d{2})-(0[1-9]|1[0-2])$"
"""A month from 2000-01 on, written YYYY-MM (what the API refuses otherwise: 2026-13, Oct 2026)."""

FIRST_OFFERED = Period(2020, 1)
"""The oldest month the trigger form offers."""

BATCH_SIZE = 500
"""Files per mapped ``prepare_batch`` task (the ingest DAG's ``batch_size`` param's default)."""

START_DATE = pendulum.datetime(2026, 1, 1, tz=TIMEZONE)
"""First logical date of every scorecard DAG (runs are never caught up)."""


class TeamFailureNotifier(SmtpNotifier):
    """Task failure email to the data team through an SMTP connection (``smtp_default``).

    Recipients (``SCORECARD_TEAM_EMAILS``) and sender (``SCORECARD_MAIL_FROM``) are read when a task
    fails, not when the DAG file is parsed; subject and body come from the provider's templates,
    rendered afresh for every failure (one notifier serves every task of a DAG).
    """

    def __init__(self, smtp_conn_id: str | None = None) -> None:
        super().__init__(to=[], smtp_conn_id=smtp_conn_id)

    def notify(self, context: Any) -> None:
        settings = config.mail_settings()
        self.to, self.from_email = settings.team, settings.sender
        self.subject = self.html_content = None
        super().notify(context)


def default_args() -> dict[str, Any]:
    """What every task of every scorecard DAG gets: owner, retries and the failure email."""
    return {
        "owner": "scorecard",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "on_failure_callback": TeamFailureNotifier(),
    }


def offered_periods(today: date) -> list[str]:
    """The months the trigger form offers, newest first: from ``today``'s month back to FIRST_OFFERED."""
    return [str(p) for p in FIRST_OFFERED.through(Period.of(today))][::-1]


def period_param(description: str) -> Param:
    """The optional ``period`` param (``YYYY-MM``) of the DAGs that work on one month.

    Airflow's trigger form checks no ``pattern`` as one types, only on submit (a raw 400), so the form
    offers the months themselves: a list to pick from (type to filter), up to this month in the bureau's
    time zone, in which neither 2026-13 nor a future month can be chosen. The list follows the calendar,
    so the DAG's serialised form changes once a month.
    """
    months = offered_periods(pendulum.now(TIMEZONE).date())
    return Param(None, type=["null", "string"], pattern=PERIOD_PATTERN, enum=[None, *months],
                 values_display={m: f"{m}（{int(m[:4])}年{int(m[5:])}月）" for m in months},
                 description=description)
