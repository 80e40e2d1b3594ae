"""Settings read from the environment, with the embedded defaults (SQLite in the project's data folder)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULTS_DIR = PACKAGE_DIR / "defaults"
CHECKOUT_DIR = PACKAGE_DIR.parents[1]
"""The repository, when the package runs from its ``src/`` (an editable install)."""


def from_checkout() -> bool:
    """Whether the package runs from the repository's ``src/`` rather than from an installed wheel."""
    return PACKAGE_DIR.parent.name == "src" and (CHECKOUT_DIR / "pyproject.toml").is_file()


def project_dir() -> Path:
    """The project folder: ``SCORECARD_HOME``, else the checkout this package runs from, else (an installed
    wheel) the current folder."""
    home = os.environ.get("SCORECARD_HOME")
    if home:
        return Path(home).resolve()
    return CHECKOUT_DIR if from_checkout() else Path.cwd()


def data_dir() -> Path:
    return Path(os.environ.get("SCORECARD_DATA_DIR") or project_dir() / "data")


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'warehouse.db'}"


def db_url(explicit: str | None = None) -> str:
    """The warehouse URL: ``--db``, else ``SCORECARD_DB_URL``, else the SQLite file in the data folder."""
    return explicit or os.environ.get("SCORECARD_DB_URL") or default_db_url()


def _live_or_packaged(variable: str, live: str, packaged: str) -> Path:
    """A folder of configuration: ``variable``, else the project's live ``live`` folder (the checkout's, or
    ``SCORECARD_HOME``'s where an image mounts it), else the copy inside the package (an installed wheel)."""
    explicit = os.environ.get(variable)
    if explicit:
        return Path(explicit)
    if os.environ.get("SCORECARD_HOME") or from_checkout():
        folder = project_dir() / live
        if folder.is_dir():
            return folder
    return PACKAGE_DIR / packaged


def sql_dir() -> Path:
    """The queries: ``SCORECARD_SQL_DIR``, else ``include/sql`` of the project, else the wheel's copy."""
    return _live_or_packaged("SCORECARD_SQL_DIR", "include/sql", "sql")


def expectations_dir() -> Path:
    """The suites: ``SCORECARD_EXPECTATIONS_DIR``, else ``expectations`` of the project, else the wheel's
    copy."""
    return _live_or_packaged("SCORECARD_EXPECTATIONS_DIR", "expectations", "expectations")


def catalog_dir() -> Path:
    """Folder holding ``indicators.csv`` and ``units.csv``; the contract's sample city by default."""
    return Path(os.environ.get("SCORECARD_CATALOG_DIR") or DEFAULTS_DIR)


def quarantine_dir() -> str:
    return os.environ.get("SCORECARD_QUARANTINE") or str(data_dir() / "quarantine")


def output_dir() -> str:
    return os.environ.get("SCORECARD_OUTPUT") or str(data_dir() / "bulletins")


def status_threshold() -> float:
    """Gap below which a unit is ``lagging`` rather than ``behind`` (contract §4 default 0.10)."""
    return float(os.environ.get("SCORECARD_STATUS_THRESHOLD", "0.10"))


@dataclass(frozen=True)
class MailSettings:
    team: list[str] = field(default_factory=list)
    sender: str = "scorecard@localhost"


def mail_settings() -> MailSettings:
    team = [a.strip() for a in os.environ.get("SCORECARD_TEAM_EMAILS", "data-team@example.org").split(",")]
    return MailSettings(
        team=[a for a in team if a],
        sender=os.environ.get("SCORECARD_MAIL_FROM", "scorecard@localhost"),
    )


def smtp_url() -> str:
    """Where mail goes: ``SCORECARD_SMTP_URL`` (``smtp://``, ``smtps://``, ``airflow://CONN_ID`` or
    ``outbox:///FOLDER``), else the SMTP server on localhost."""
    return os.environ.get("SCORECARD_SMTP_URL") or "smtp://localhost:25"


def reporting_deadline_day() -> int:
    """Day of the month after a period by which units must have reported it (default the 3rd)."""
    return int(os.environ.get("SCORECARD_REPORTING_DEADLINE_DAY", "3"))


def alert_tolerance_pp() -> float:
    """Materiality of a ``behind`` gap, in percentage points: a unit is not mailed a ``behind`` row
    whose gap is within this of 序时进度; ``lagging`` rows are always mailed. Default 0, as contract §5
    has every behind row go to its unit; 1.0 spares units the gaps a bulletin shows as −0.x."""
    return float(os.environ.get("SCORECARD_ALERT_TOLERANCE_PP", "0"))


def reply_to() -> str | None:
    """Where replies to the pipeline's mail go: ``SCORECARD_REPLY_TO``, else the first data-team address."""
    explicit = os.environ.get("SCORECARD_REPLY_TO", "").strip()
    return explicit or next(iter(mail_settings().team), None)


def data_team_contact() -> str:
    """Whom units contact about their figures (``SCORECARD_CONTACT``: free text, e.g. a name and phone);
    empty: the mails name the Reply-To address."""
    return os.environ.get("SCORECARD_CONTACT", "").strip()


def resubmit_instructions() -> str:
    """How and where a unit (re)submits (``SCORECARD_RESUBMIT_HOW``: free text); empty: the mails say to
    reply with the corrected workbook attached."""
    return os.environ.get("SCORECARD_RESUBMIT_HOW", "").strip()
