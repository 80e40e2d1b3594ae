"""What the command line says and how it stops: progress and results on stderr, one JSON document on
stdout with ``--json``, a one-line error and exit status 2 when a command cannot give its answer, and the
checked arguments every command shares."""

from __future__ import annotations

import json
import math
import sys
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def say(message: str) -> None:
    """Human-readable progress and results: stderr, so that stdout stays machine-readable."""
    typer.echo(message, err=True)


def _finite(value: object) -> object:
    """``value`` with every NaN or infinity replaced by null: JSON has no such numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def emit(document: object) -> None:
    text = json.dumps(_finite(document), ensure_ascii=False, indent=2, default=str, allow_nan=False)
    sys.stdout.write(text + "\n")


def fail(message: str, as_json: bool = False) -> NoReturn:
    if as_json:
        emit({"error": message})
    say(f"error: {message}")
    raise typer.Exit(2)


def checked_period(period: str, as_json: bool = False) -> str:
    """The ``--period`` option, checked (YYYY-MM from 2000-01 on); exit 2 otherwise."""
    from scorecard.periods import Period, PeriodError

    try:
        return str(Period.parse(period))
    except PeriodError as exc:
        fail(str(exc), as_json)


def open_warehouse(db: str | None, as_json: bool = False, create: bool = True) -> Engine:
    """The warehouse engine, created on first use so that every command just works (a warehouse that
    cannot be reached is a fault of the environment, told by ``_Commands``)."""
    from sqlalchemy.exc import ArgumentError

    from scorecard import warehouse

    try:
        return warehouse.open_engine(db) if create else warehouse.engine(db)
    except ArgumentError as exc:
        fail(f"the warehouse URL {db!r} is not valid: {exc}", as_json)
