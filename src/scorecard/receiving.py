"""What the warehouse has received: which files of an inbox are new, and the record of each file received.

Every write of ``received_files`` happens under the ``ingest`` lock (``LOCK``), in the transaction that
loads what the file held; reading what was received needs no lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.engine import Connection, Engine

from scorecard import parsing, sources
from scorecard.warehouse import sql, sql_with_lists, take_lock, utc_now

LOCK = "ingest"
"""The lock every write of ``received_files`` holds (``warehouse.take_lock``)."""


class Received:
    """What the warehouse recorded of every location under ``location``, in one query: the bytes (SHA-256)
    each was received with, and the version its file was at when they were read (``sources.version``)."""

    def __init__(self, engine: Engine, location: str) -> None:
        self.at: dict[str, list[tuple[str, sources.Version | None]]] = {}
        prefix = sources.uri_prefix(location)
        with engine.connect() as conn:
            rows = conn.execute(sql("select_received_files"), {"prefix": prefix,
                                                               "prefix_length": len(prefix)})
            for r in rows:
                self.at.setdefault(r.uri, []).append(
                    (r.sha256, sources.version(r.size_bytes, r.modified_at, r.etag)))

    def unchanged(self, entry: sources.Listed) -> bool:
        """Whether the listed file is at a version of its location whose bytes were read and received.

        Any recorded version will do, not only the latest: the file's bytes are then the bytes received
        with it (a file changed back to bytes received before is received again no more than it was).
        """
        return entry.version is not None and any(v == entry.version for _, v in self.at.get(entry.uri, ()))

    def received(self, file: sources.FileBytes) -> bool:
        """Whether these very bytes were received at this very location."""
        return any(sha256 == file.sha256 for sha256, _ in self.at.get(file.uri, ()))


def pending_files(engine: Engine, inbox: str) -> list[str]:
    """The inbox's files not yet received: new locations, and known ones whose bytes changed.

    A poll costs a listing and one query, not a read of every file received so far: only a known file
    listed at a version not recorded for its location (touched, copied again, rewritten, or read before
    it settled) is read, and when its bytes were received there already, its new version is recorded so
    that the next poll does not read it again. Known limitation: where a store gives a modification time
    and no tag (SFTP, whole seconds), a file replaced by other bytes of the same size with its time set
    back to the recorded one is not seen, as by rsync's quick check; a local file's version holds its
    change time, which every write moves, and an object store's its ETag.
    """
    received = Received(engine, inbox)
    pending: list[str] = []
    seen_again: list[sources.FileBytes] = []
    for entry in sources.listed_submission_files(inbox):
        if entry.uri not in received.at:
            pending.append(entry.uri)
        elif not received.unchanged(entry):
            file = sources.read(entry.uri, parsing.max_file_bytes())
            if file is not None and received.received(file):
                seen_again.append(replace(file, data=b""))  # its version is all that is kept of it
            elif file is not None:
                pending.append(entry.uri)
    record_versions(engine, seen_again)
    return pending


def record_versions(engine: Engine, files: list[sources.FileBytes]) -> None:
    """Record the version each of these files, found with bytes already received at its location, is at
    now. Under the ingest lock, as every write of ``received_files``; the unique (uri, sha256) names the
    one row to update, so two pollers recording one file write the same row, and the version left is
    one the file was read at: at worst a file is read once more, never skipped."""
    rows = [{"uri": f.uri, "sha256": f.sha256, "modified_at": f.modified_at, "etag": f.etag}
            for f in files if f.version is not None]
    if not rows:
        return
    with engine.begin() as conn:
        take_lock(conn, LOCK)
        conn.execute(sql("update_received_file_version"), rows)


def received_file_row(file: sources.FileBytes, outcome: str, duplicate_of: int | None = None,
                      run_id: str | None = None) -> dict[str, Any]:
    """The ``received_files`` row of a file received now, with the version its bytes were read at."""
    return {"uri": file.uri, "sha256": file.sha256, "size_bytes": file.size, "modified_at": file.modified_at,
            "etag": file.etag, "received_at": utc_now(), "outcome": outcome, "duplicate_of": duplicate_of,
            "run_id": run_id}


def record_file(conn: Connection, file: sources.FileBytes, outcome: str,
                duplicate_of: int | None = None, run_id: str | None = None) -> int:
    """Record a received file (in receiving order), by the Airflow run ``run_id`` if any; returns its id."""
    file_id: int = conn.execute(sql("insert_received_file"),
                                received_file_row(file, outcome, duplicate_of, run_id)).scalar_one()
    return file_id


def originals(conn: Connection, files: Sequence[sources.FileBytes]) -> dict[str, int]:
    """The first file received with each of these files' bytes, by SHA-256."""
    return {r.sha256: r.file_id for r in conn.execute(
        sql_with_lists("select_original_files", "shas"), {"shas": sorted({f.sha256 for f in files})})}


def not_yet_received(conn: Connection, files: list[sources.FileBytes]) -> list[sources.FileBytes]:
    """Drop the files already received with these very bytes at this very location.

    A retried batch whose first attempt committed then takes nothing again, rather than recording its
    files a second time as duplicates of themselves.
    """
    query = sql_with_lists("select_received_by_uri", "uris")
    received = {(r.uri, r.sha256) for r in conn.execute(query, {"uris": sorted({f.uri for f in files})})}
    return [f for f in files if (f.uri, f.sha256) not in received]
