"""The whole verdict on one file, as ``scorecard validate`` and the warm validator of the scorecard app
(``POST /scorecard/api/validate``) give it: parsed, checked by the suites and, with a warehouse, by the
cross-period rules; nothing loaded."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from scorecard import parsing, sources
from scorecard.catalog import Catalog
from scorecard.memory import cyclic_gc_paused
from scorecard.model import ParsedSubmission
from scorecard.validation.history import check_history
from scorecard.validation.suites import check_data

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def validate_file(uri: str, catalog: Catalog, conn: Connection | None = None,
                  today: date | None = None) -> list[ParsedSubmission]:
    """The verdict the pipeline would give ``uri``, without loading anything (``validate_bytes``)."""
    file = sources.read(uri, parsing.max_file_bytes())
    if file is None:
        raise FileNotFoundError(uri)
    return validate_bytes(uri, file.data, catalog, conn, today, refused=file.error)


def validate_bytes(name: str, data: bytes, catalog: Catalog, conn: Connection | None = None,
                   today: date | None = None, refused: str | None = None) -> list[ParsedSubmission]:
    """The verdict the pipeline would give the file ``data`` received as ``name``, or a file whose bytes were
    not read for the reason ``refused`` (``sources.FileBytes.error``), without loading anything.

    With a warehouse connection the cross-period rules run too; without one they are skipped. The cyclic
    garbage collector is paused, as for a chunk of ingest: importing Great Expectations and running it
    create hundreds of thousands of objects that live until the answer is given, and collecting them again
    and again took a fifth (0.5 s) of ``scorecard validate``.
    """
    with cyclic_gc_paused():
        subs = parsing.refused(name, refused) if refused else parsing.parse_file(name, data, catalog, today)
        check_data(subs, catalog)
        if conn is not None:
            check_history(conn, subs, catalog)
    return subs


def answer(file: str, submissions: list[ParsedSubmission]) -> dict[str, Any]:
    """The JSON answer of ``scorecard validate`` (contract §5): the verdict of the file's submission, or of a
    CSV of several, their errors and warnings together and each verdict under ``submissions``."""
    verdicts = [s.verdict() for s in submissions]
    if len(verdicts) == 1:
        return verdicts[0]
    rejected = any(v["status"] == "rejected" for v in verdicts)
    return {
        "file": file, "status": "rejected" if rejected else "accepted", "unit_code": None, "period": None,
        "errors": [e for v in verdicts for e in v["errors"]],
        "warnings": [w for v in verdicts for w in v["warnings"]],
        "submissions": verdicts,
    }
