"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for tests.

Use the ``smtp_server`` fixture (import ``smtp_server_fixture`` into a test module), or
``SmtpServer(port)`` directly to start a server late on a port that refused connections before
(``free_port()``)::

    from smtp_server import SmtpServer, free_port, smtp_server_fixture  # noqa: F401
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (right now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Received:
    """One message as the server got it: the envelope and the parsed message (headers decoded)."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def body(self, subtype: str) -> str:
        """The decoded ``text/plain`` or ``text/html`` body."""
        part = self.message.get_body(preferencelist=(subtype,))
        assert part is not None, f"no text/{subtype} part"
        return part.get_content()

    def attachments(self) -> dict[str, bytes]:
        return {p.get_filename(): p.get_content() for p in self.message.iter_attachments()}


class _Handler:
    def __init__(self, received: list[Received]) -> None:
        self.received = received

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _authenticator(login: str, password: str):
    def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            login.encode(), password.encode())
        return AuthResult(success=ok, handled=False)

    return check


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1; ``received`` lists every message in arrival order.

    With ``login``/``password`` it requires AUTH (over plain loopback, no TLS).
    """

    def __init__(self, port: int | None = None, login: str | None = None, password: str = "") -> None:
        self.port = port or free_port()
        self.received: list[Received] = []
        auth = ({"authenticator": _authenticator(login, password), "auth_required": True,
                 "auth_require_tls": False} if login else {})
        self._controller = Controller(_Handler(self.received), hostname="127.0.0.1", port=self.port, **auth)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def to(self, address: str) -> list[Received]:
        """The messages whose envelope included ``address``."""
        return [r for r in self.received if address in r.rcpt_tos]


@pytest.fixture(name="smtp_server")
def smtp_server_fixture() -> Iterator[SmtpServer]:
    """A running SMTP server on a free loopback port, stopped after the test."""
    with SmtpServer() as server:
        yield server
