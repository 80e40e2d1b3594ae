"""Composing and sending mail: safe headers, Jinja templates, and interchangeable mailers.

A message is built once as an ``email.message.EmailMessage`` (multipart/alternative plain text + HTML,
an optional inline image related to the HTML, optional attachments) and handed to a ``Mailer``. Which
mailer is used is decided in one place, ``mailer_from_url``: plain SMTP for the command line, Airflow's
``smtp_default`` connection inside DAG tasks, or a folder of ``.eml`` files for the demo.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import uuid4

from scorecard import config, labels

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates" / "mail"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_UNSAFE_IN_HEADER = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
_ADDRESS = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$"
)


class MailError(ValueError):
    """A message that cannot be built safely, or a mail URL that cannot be understood."""


def header_text(value: object, limit: int = 200) -> str:
    """``value`` made safe for a header: control characters (CR, LF, ...) become one space."""
    text = " ".join(_UNSAFE_IN_HEADER.sub(" ", str(value)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_address(value: object) -> bool:
    """True for a plain ``local@domain`` address (no display name, no spaces, no line breaks)."""
    return isinstance(value, str) and len(value) <= 254 and bool(_ADDRESS.fullmatch(value))


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime: str = "application/octet-stream"

    @classmethod
    def from_path(cls, path: str | Path) -> Attachment:
        path = Path(path)
        mime = XLSX_MIME if path.suffix.lower() == ".xlsx" else (
            mimetypes.guess_type(path.name)[0] or "application/octet-stream")
        return cls(path.name, path.read_bytes(), mime)

    @classmethod
    def from_location(cls, location: str | Path) -> Attachment | None:
        """The file at ``location`` (a path or any ObjectStoragePath URL), read through the storage layer
        that wrote it (``sources.read``); None, and a warning in the log, when it cannot be read."""
        from scorecard import sources

        found = sources.read(str(location))
        if found is None or found.error:
            log.warning("attachment %s not attached: %s", location,
                        "not found" if found is None else found.error)
            return None
        mime = XLSX_MIME if found.name.lower().endswith(".xlsx") else (
            mimetypes.guess_type(found.name)[0] or "application/octet-stream")
        return cls(found.name, found.data, mime)


@dataclass(frozen=True)
class InlineImage:
    """A PNG shown inside the HTML part as ``<img src="cid:{cid}">``."""

    cid: str
    png: bytes


def new_cid() -> str:
    return make_msgid(domain="scorecard.local")[1:-1]


@cache
def _environments() -> tuple[Environment, Environment]:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    loader = FileSystemLoader(TEMPLATES_DIR)
    html = Environment(loader=loader, autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                       lstrip_blocks=True)
    text = Environment(loader=loader, autoescape=False, undefined=StrictUndefined, trim_blocks=True,
                       lstrip_blocks=True)
    for env in (html, text):
        env.filters.update(pct=format_pct, num=format_num, points=format_points, status_zh=labels.status)
        env.globals.update(label=labels.field, points=labels.POINTS.zh)
    return text, html


def render(name: str, **context: object) -> tuple[str, str]:
    """The plain-text and HTML bodies from ``templates/mail/<name>.txt`` and ``<name>.html``; their words for
    statuses (``status_zh``) and fields (``label``) are ``labels``'."""
    text_env, html_env = _environments()
    return (text_env.get_template(f"{name}.txt").render(**context),
            html_env.get_template(f"{name}.html").render(**context))


def format_pct(value: float | None) -> str:
    """A rate as a percentage: 0.853 -> ``85.3%``."""
    return "—" if value is None else f"{value * 100:.1f}%"


def format_points(value: float | None) -> str:
    """A gap as signed percentage points: -0.123 -> ``-12.3``."""
    return "—" if value is None else f"{value * 100:+.1f}"


def format_num(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}".rstrip("0").rstrip(".")


def compose(*, sender: str, to: Sequence[str], subject: str, text: str, html: str,
            images: Sequence[InlineImage] = (), attachments: Sequence[Attachment] = (),
            reply_to: str | None = None) -> EmailMessage:
    """A multipart message; raises ``MailError`` for an address that is not a plain address."""
    for address in (sender, *to, *([reply_to] if reply_to else [])):
        if not is_address(address):
            raise MailError(f"not a valid mail address: {address!r}")
    if not to:
        raise MailError("a message needs at least one recipient")
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = header_text(subject)
    message["From"] = sender
    message["To"] = ", ".join(to)
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[1])
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    html_part = cast(EmailMessage, message.get_payload(1))
    for image in images:
        html_part.add_related(image.png, "image", "png", cid=f"<{image.cid}>")
    for attachment in attachments:
        maintype, _, subtype = attachment.mime.partition("/")
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype,
                               filename=header_text(attachment.filename))
    return message


class Mailer(Protocol):
    """Anything that can deliver a composed message (raising when it could not)."""

    def send(self, message: EmailMessage) -> None: ...


class SmtpUrlMailer:
    """Plain SMTP from a URL: ``smtp://user:pass@host:port?starttls=1&timeout=30`` or ``smtps://...``."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise MailError(f"not an SMTP URL: {parts.scheme}://{parts.hostname or ''}")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.ssl = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.ssl else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.starttls = query.get("starttls", "0").lower() in ("1", "true", "yes")
        self.timeout = float(query.get("timeout", "30"))

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        client = (smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
                  if self.ssl else smtplib.SMTP(self.host, self.port, timeout=self.timeout))
        with client:
            if self.starttls:
                client.starttls(context=context)
            if self.user:
                client.login(self.user, self.password or "")
            client.send_message(message)


class AirflowSmtpMailer:
    """SMTP through an Airflow connection (``smtp_default``), for DAG tasks."""

    def __init__(self, conn_id: str = "smtp_default") -> None:
        self.conn_id = conn_id

    def send(self, message: EmailMessage) -> None:
        from airflow.providers.smtp.hooks.smtp import SmtpHook

        with SmtpHook(smtp_conn_id=self.conn_id) as hook:
            # The hook's send_email_smtp builds its own MIME tree, which cannot carry our inline chart;
            # its logged-in client sends the message we composed.
            client = cast(smtplib.SMTP, hook._smtp_client)
            client.send_message(message)


class OutboxMailer:
    """Writes each message as an ``.eml`` file into a folder instead of sending it."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid4().hex[:8]}.eml"
        (self.folder / name).write_bytes(message.as_bytes())


def mailer_from_url(url: str | None = None) -> Mailer:
    """The mailer a URL names (``SCORECARD_SMTP_URL`` by default): smtp(s)://, airflow://CONN, outbox:///DIR."""
    url = url or config.smtp_url()
    parts = urlsplit(url)
    if parts.scheme in ("smtp", "smtps"):
        return SmtpUrlMailer(url)
    if parts.scheme == "airflow":
        return AirflowSmtpMailer(parts.netloc or "smtp_default")
    if parts.scheme == "outbox":
        return OutboxMailer(unquote(parts.netloc + parts.path))
    raise MailError(f"unknown mail URL scheme {parts.scheme!r} (smtp, smtps, airflow or outbox)")
