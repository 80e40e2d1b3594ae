"""A mail server on loopback that keeps what it receives: where the demo and ``scorecard airflow`` send
their mail (each message an ``.eml`` file in a folder), and the tests' SMTP server (the messages in memory).

    with MailCatcher(folder=outbox) as catcher:
        env["AIRFLOW_CONN_SMTP_DEFAULT"] = catcher.connection
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from uuid import uuid4

from scorecard import airflow_env

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port on ``host`` that nothing listens on (right now)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class CaughtMessage(EmailMessage):
    """A message as the catcher received it: the parsed message (headers decoded) and its envelope."""

    def __init__(self, policy: Any = None) -> None:
        super().__init__(policy)
        self.mail_from = ""
        self.rcpt_tos: list[str] = []

    @classmethod
    def parse(cls, data: bytes, mail_from: str, rcpt_tos: list[str]) -> CaughtMessage:
        """``data`` as a message with its envelope's sender and recipients."""
        message = BytesParser(cls, policy=policy.default).parsebytes(data)
        assert isinstance(message, cls)
        message.mail_from, message.rcpt_tos = mail_from, list(rcpt_tos)
        return message

    @property
    def message(self) -> EmailMessage:
        """This message as a plain :class:`EmailMessage`, its envelope aside."""
        return self

    @property
    def subject(self) -> str:
        return str(self["Subject"])

    def body(self, subtype: str) -> str:
        """The decoded ``text/plain`` or ``text/html`` body."""
        part = self.get_body(preferencelist=(subtype,))
        assert part is not None, f"no text/{subtype} part"
        return str(part.get_content())

    def attachments(self) -> dict[str | None, bytes]:
        """Each attachment's content by file name."""
        return {p.get_filename(): p.get_content() for p in self.iter_attachments()}


def _authenticator(login: str, password: str) -> Callable[..., Any]:
    """An aiosmtpd authenticator that accepts ``login``/``password`` only."""
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            login.encode(), password.encode())
        return AuthResult(success=ok, handled=False)

    return check


class MailCatcher:
    """An SMTP server on loopback (port ``port``, else a free one) that keeps every message it receives.

    :attr:`received` lists the messages in arrival order; with ``folder`` each is also saved there as an
    ``.eml`` file. With ``login`` the server requires AUTH (over plain loopback, no TLS). While
    :attr:`refusing` is true, every message is refused with a temporary failure (an SMTP outage).
    """

    def __init__(self, port: int = 0, *, folder: Path | None = None, host: str = LOOPBACK,
                 login: str | None = None, password: str = "") -> None:
        from aiosmtpd.controller import Controller

        self.host = host
        self.port = port or free_port(host)
        self.folder = folder
        self.received: list[CaughtMessage] = []
        self.refusing = False
        auth: dict[str, Any] = ({"authenticator": _authenticator(login, password), "auth_required": True,
                                 "auth_require_tls": False} if login else {})
        self._controller = Controller(self, hostname=host, port=self.port, **auth)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd)
        """Keep the message (aiosmtpd's hook for a received message)."""
        if self.refusing:
            return "451 4.3.0 try again later"
        data = envelope.original_content or envelope.content
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid4().hex[:8]}.eml"
            (self.folder / name).write_bytes(data)
        self.received.append(CaughtMessage.parse(data, envelope.mail_from, envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[CaughtMessage]:
        """The messages received, in arrival order (:attr:`received`)."""
        return self.received

    def to(self, address: str) -> list[CaughtMessage]:
        """The messages whose envelope included ``address``."""
        return [m for m in self.received if address in m.rcpt_tos]

    @property
    def url(self) -> str:
        """This server as an ``smtp://`` URL (``--smtp-url``, ``SCORECARD_SMTP_URL``)."""
        return f"smtp://{self.host}:{self.port}"

    @property
    def connection(self) -> str:
        """This server as Airflow's ``smtp_default`` connection (``AIRFLOW_CONN_SMTP_DEFAULT``)."""
        return airflow_env.smtp_connection(self.host, self.port)

    def __enter__(self) -> MailCatcher:
        self._controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._controller.stop()
