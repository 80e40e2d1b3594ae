"""The warm validator as ``scorecard validate`` calls it: ``POST /api/validate`` of the scorecard app on the
Airflow API server that ``SCORECARD_VALIDATOR_URL`` names, such as ``http://USER:PASSWORD@airflow:8080/scorecard``.

The user and password, if any, buy a token from the Airflow login beside the app (``POST /auth/token``).
Standard library only: the point is an answer without the seconds of imports that checking here costs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit
from urllib.request import Request, urlopen

from scorecard.faults import ValidatorUnavailable

TIMEOUT_S = 120
"""A validator's first answer includes its one-off Great Expectations start-up: seconds on a busy server."""


def validate(url: str, path: Path) -> dict[str, Any]:
    """The validator's JSON answer (contract §5) for the file at ``path``, named ``str(path)`` in it."""
    app, user, password = _split(url)
    headers = {"Accept": "application/json", "Content-Type": "application/octet-stream"}
    if user:
        headers["Authorization"] = f"Bearer {_token(app, user, password)}"
    return _post(f"{app}/api/validate?name={quote(str(path), safe='')}", path.read_bytes(), headers)


def _split(url: str) -> tuple[str, str, str]:
    """The app's URL without the credentials it may carry, the user and the password."""
    parts = urlsplit(url.rstrip("/"))
    host = parts.hostname or ""
    netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    return urlunsplit(parts._replace(netloc=netloc)), user, password


def _token(app: str, user: str, password: str) -> str:
    """An access token of the Airflow login the app is mounted beside (``<app>/../auth/token``)."""
    body = json.dumps({"username": user, "password": password}).encode()
    answer = _post(urljoin(f"{app}/", "../auth/token"), body,
                   {"Accept": "application/json", "Content-Type": "application/json"})
    return str(answer["access_token"])


def _post(url: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    shown = url.split("?", 1)[0]
    try:
        with urlopen(Request(url, data=body, headers=headers, method="POST"), timeout=TIMEOUT_S) as response:
            document: dict[str, Any] = json.load(response)
            return document
    except HTTPError as exc:  # before OSError, of which it is one
        raise ValidatorUnavailable(f"the validator refused the request: {shown} answered HTTP {exc.code} "
                                   f"{exc.reason}") from exc
    except OSError as exc:
        reason = exc.reason if isinstance(exc, URLError) else exc
        raise ValidatorUnavailable(f"the validator at {shown} cannot be reached: {reason}") from exc
    except ValueError as exc:
        raise ValidatorUnavailable(f"the validator at {shown} gave no JSON answer: {exc}") from exc
