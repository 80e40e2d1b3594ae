"""Quarantine of rejected files: original bytes, a JSON report, and a feedback workbook for the unit.

Each rejected file gets a folder named after its content, ``<root>/<sha256>/``, holding
``original/<name>``, ``report.json`` and ``feedback/<name>_反馈_feedback.xlsx``: no file name can
collide with another or with the report, and names are cut to a size every file system takes.

The files are written into ``<root>/.staging/<sha256>/`` inside the transaction that records the
rejection, and moved into place once it has committed. A run killed in between leaves only a staging
folder, which the next run's ``sweep`` settles under the ingest lock: moved into place when its
rejection was committed, removed when it was not. So the quarantine never holds a folder the warehouse
does not know. A quarantine that cannot be written fails the run (``StorageUnavailable``) before
anything is committed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from scorecard import feedback, sources
from scorecard.faults import StorageUnavailable
from scorecard.model import ParsedSubmission

STAGING = ".staging"
NAME_BYTES = 120
"""Longest stored name in UTF-8 bytes: room for the feedback suffix under the usual 255-byte limit."""
FEEDBACK_SUFFIX = "_反馈_feedback.xlsx"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


@dataclass(frozen=True)
class QuarantinedFile:
    stored_path: str
    report_path: str
    feedback_path: str | None


def _cut(text: str, limit: int) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def safe_name(name: str) -> str:
    """``name`` as one file name any file system takes: no folder parts or control characters, at most
    ``NAME_BYTES`` bytes, its extension kept."""
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > 10:
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    stem = _cut(stem, NAME_BYTES - len(suffix.encode("utf-8"))).strip(" .")
    return (stem or "file") + suffix


def verdict_document(uri: str, sha256: str, submissions: list[ParsedSubmission]) -> dict[str, Any]:
    return {"file": uri, "sha256": sha256, "submissions": [s.verdict() for s in submissions]}


def _layout(folder: str, name: str) -> tuple[str, str, str]:
    """Where the original, the report and the feedback workbook go inside a file's folder."""
    stored = safe_name(name)
    stem = stored.rsplit(".", 1)[0] if "." in stored else stored
    return (sources.join(folder, "original", stored), sources.join(folder, "report.json"),
            sources.join(folder, "feedback", stem + FEEDBACK_SUFFIX))


def stage(root: str, name: str, data: bytes, sha256: str,
          submissions: list[ParsedSubmission]) -> QuarantinedFile:
    """Write the file's quarantine into staging; returns where it will be once ``promote`` has run."""
    document = json.dumps(verdict_document(name, sha256, submissions), ensure_ascii=False, indent=2)
    workbook = feedback.feedback_workbook(data, submissions)
    stored, report_path, feedback_path = _layout(sources.join(root, STAGING, sha256), name)
    try:
        sources.remove_tree(sources.join(root, STAGING, sha256))  # left by a killed run
        sources.write_bytes(stored, data)
        sources.write_bytes(report_path, document.encode("utf-8"))
        if workbook is not None:
            sources.write_bytes(feedback_path, workbook)
    except OSError as exc:
        raise StorageUnavailable(f"the quarantine {root} cannot be written: {exc.strerror or exc}") from exc
    final = _layout(sources.join(root, sha256), name)
    return QuarantinedFile(final[0], final[1], final[2] if workbook is not None else None)


def promote(root: str, shas: Iterable[str]) -> None:
    """Move committed rejections from staging into place."""
    try:
        for sha in shas:
            sources.move_tree(sources.join(root, STAGING, sha), sources.join(root, sha))
    except OSError as exc:
        raise StorageUnavailable(f"the quarantine {root} cannot be written: {exc.strerror or exc}") from exc


def discard(root: str, shas: Iterable[str]) -> None:
    """Remove staged rejections whose transaction did not commit (best effort: ``sweep`` finishes)."""
    for sha in shas:
        try:
            sources.remove_tree(sources.join(root, STAGING, sha))
        except OSError:
            continue


def sweep(engine: Engine, root: str) -> None:
    """Settle what a killed run left in staging: move committed rejections into place, drop the rest.

    Runs under the ingest lock, so no other run is between staging and committing.
    """
    from scorecard import receiving
    from scorecard.warehouse import sql_with_lists, take_lock

    staging = sources.join(root, STAGING)
    staged = {folder.rstrip("/").rsplit("/", 1)[-1] for folder in sources.subfolders(staging)}
    if not staged:
        return
    with engine.begin() as conn:
        take_lock(conn, receiving.LOCK)
        query = sql_with_lists("select_quarantined_shas", "shas")
        committed = set(conn.execute(query, {"shas": sorted(staged)}).scalars())
        promote(root, sorted(staged & committed))
        discard(root, sorted(staged - committed))
