"""What the command line says and how it stops: progress and results on stderr, one JSON document on
stdout with ``--json``, a one-line error and exit status 2 when a command cannot give its answer, and the
checked arguments every command shares."""

from __future__ import annotations

import json
import math
import sys
from typing import TYPE_CHECKING, Any, NoReturn

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


def _place(problem: dict[str, Any], lang: str) -> str:
    if problem.get("cell"):
        return f"单元格 {problem['cell']}" if lang == "zh" else f"cell {problem['cell']}"
    if problem.get("line"):
        return f"第 {problem['line']} 行" if lang == "zh" else f"line {problem['line']}"
    return ""


def said(message: str, lang: str) -> str:
    """One language's part of a contract message ``"中文 / English"`` (the whole of it when it has one)."""
    zh, mark, en = message.partition(" / ")
    return (en if lang == "en" else zh) if mark else message


def print_verdict(verdict: dict[str, Any], lang: str = "zh") -> None:
    """A verdict of contract §5 for people, in ``lang``: each problem with its severity, where it is, what
    is wrong and how to fix it."""
    from scorecard import labels
    from scorecard.vocabulary import Rule, Severity

    status = labels.VERDICTS.get(verdict["status"])
    where = ", ".join(v for v in (verdict["unit_code"], verdict["period"]) if v)
    say(f"{verdict['file']}: {status.said_in(lang) if status else verdict['status']}"
        + (f" ({where})" if where else ""))
    for severity, problems in ((Severity.ERROR, verdict["errors"]), (Severity.WARNING, verdict["warnings"])):
        for p in problems:
            label = " ".join(x for x in (_place(p, lang), p["indicator_code"] or "") if x)
            say(f"  {labels.SEVERITIES[severity].said_in(lang)} [{p['rule']}] {label + ': ' if label else ''}"
                f"{said(p['message'] or '', lang)}")
            if p["rule"] in Rule._value2member_map_:
                say(f"    {labels.HOW_TO_FIX.said_in(lang)}: {labels.hint(Rule(p['rule']), lang)}")
