"""Where submissions come from: a local inbox folder or any ObjectStoragePath URL (s3://, sftp://, …)."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

TARGETS_FOLDER = "targets"
"""Sub-folder of an inbox where annual target files are dropped (loaded as targets, not submissions)."""

JUNK_NAMES = ("~$*", ".~lock.*#", "._*", ".DS_Store", "Thumbs.db", "desktop.ini")
"""What operating systems and editors leave beside files, the only names skipped without a verdict:
lock files of Excel, WPS and LibreOffice, macOS resource forks and folder settings, Windows thumbnails."""

READ_CHUNK = 1 << 20


def is_url(location: str) -> bool:
    return "://" in location and not location.startswith("file://")


def open_location(location: str) -> Any:
    """A path-like object for ``location``: ``pathlib.Path`` locally, ``ObjectStoragePath`` for URLs."""
    if is_url(location):
        from airflow.sdk import ObjectStoragePath

        return ObjectStoragePath(location)
    return Path(location.removeprefix("file://")).expanduser()


def is_junk(name: str) -> bool:
    """Whether ``name`` is an operating system's or editor's leftover rather than a file someone sent."""
    return any(fnmatch(name, pattern) for pattern in JUNK_NAMES)


def _listed(root: Any, skip_folder: str | None) -> list[Any]:
    if not root.exists():
        return []
    found = []
    for path in root.rglob("*"):
        relative = path.relative_to(root).parts
        if is_junk(relative[-1]):
            continue
        if skip_folder and relative and relative[0] == skip_folder:
            continue
        if path.is_file():
            found.append(path)
    return found


def list_submission_files(inbox: str) -> list[str]:
    """Every submission file of the inbox, recursively, in path order (the receiving order)."""
    root = open_location(inbox)
    return sorted(str(p) for p in _listed(root, skip_folder=TARGETS_FOLDER))


def list_target_files(inbox: str) -> list[str]:
    """Target files dropped in ``<inbox>/targets/``, in path order."""
    root = open_location(inbox) / TARGETS_FOLDER
    return sorted(str(p) for p in _listed(root, skip_folder=None))


@dataclass(frozen=True)
class FileBytes:
    """A received file: its bytes, or why they were not read (``error``, then ``data`` is empty)."""

    uri: str
    data: bytes
    sha256: str
    size: int
    error: str | None = None

    @property
    def name(self) -> str:
        return self.uri.rstrip("/").rsplit("/", 1)[-1]


def _streamed_sha256(path: Any) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read(uri: str, limit: int | None = None) -> FileBytes | None:
    """The file at ``uri``; None when it vanished since it was listed.

    A file larger than ``limit`` bytes is hashed as a stream, never held in memory, and comes back with
    ``error="too_large"``; one the system refuses to read comes back with the system's reason.
    """
    path = open_location(uri)
    try:
        size = path.stat().st_size
        if limit is not None and size > limit:
            return FileBytes(uri, b"", _streamed_sha256(path), size, error="too_large")
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return FileBytes(uri, b"", hashlib.sha256(b"").hexdigest(), 0, error=exc.strerror or str(exc))
    return FileBytes(uri, data, hashlib.sha256(data).hexdigest(), len(data))


def write_bytes(location: str, data: bytes) -> str:
    """Write ``data`` to a local path or URL, creating parent folders; returns the location."""
    target = open_location(location)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return str(target)


def join(location: str, *parts: str) -> str:
    return str(open_location(location).joinpath(*parts))


def subfolders(location: str) -> list[str]:
    """The folders directly inside ``location`` (none when it does not exist)."""
    root = open_location(location)
    return sorted(str(p) for p in root.iterdir() if p.is_dir()) if root.exists() else []


def move_tree(source: str, target: str) -> None:
    """Move every file under ``source`` to the same place under ``target``, replacing what is there, then
    remove ``source``. Safe to run twice at once: a file another mover took first is skipped."""
    root, destination = open_location(source), open_location(target)
    if not root.exists():
        return
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        moved = destination.joinpath(*path.relative_to(root).parts)
        moved.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.rename(moved)
        except FileNotFoundError:
            continue
    remove_tree(source)


def remove_tree(location: str) -> None:
    """Remove ``location`` and everything under it, if it exists."""
    target = open_location(location)
    if is_url(location):
        if target.exists():
            target.fs.rm(target.path, recursive=True)
        return
    shutil.rmtree(target, ignore_errors=True)
