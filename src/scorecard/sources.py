"""Where submissions come from: a local inbox folder or any ObjectStoragePath URL (s3://, sftp://, …)."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fnmatch import translate
from pathlib import Path
from typing import Any

TARGETS_FOLDER = "targets"
"""Sub-folder of an inbox where annual target files are dropped (loaded as targets, not submissions)."""

JUNK_NAMES = ("~$*", ".~lock.*#", "._*", ".DS_Store", "Thumbs.db", "desktop.ini")
"""What operating systems and editors leave beside files, the only names skipped without a verdict:
lock files of Excel, WPS and LibreOffice, macOS resource forks and folder settings, Windows thumbnails."""
_JUNK = re.compile("|".join(translate(pattern) for pattern in JUNK_NAMES))

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
    return _JUNK.match(name) is not None  # one pattern: a listing asks this of every file


Version = tuple[int, str | datetime]
"""What tells one version of a file from another without reading it (see ``version``)."""


def version(size: int, modified_at: datetime | None, etag: str | None) -> Version | None:
    """The version of a file of ``size`` bytes: with its tag when the storage has one, else with its
    modification time; None when the storage says neither (the file must then be read to be known).

    The tag wins: an object store's ETag changes with the content and is listed as it is stat-ed, while
    modification times are not always (S3 lists milliseconds, its HEAD gives seconds).
    """
    if etag is not None:
        return size, etag
    if modified_at is not None:
        return size, modified_at
    return None


@dataclass(frozen=True)
class Listed:
    """A file as its storage lists it, unread: where it is, and the version the storage says it is at."""

    uri: str
    size: int
    modified_at: datetime | None
    """The last modification, naive UTC as the warehouse keeps times."""
    etag: str | None
    """The storage's tag of this version: an object store's ETag; a local file's change time (ctime, in
    ns), which every write and every reset of the modification time moves."""

    @property
    def version(self) -> Version | None:
        return version(self.size, self.modified_at, self.etag)


_EPOCH = datetime(1970, 1, 1)
_GONE = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)
"""Errors of a stat that ``Path.is_file`` takes for "not a file": vanished since listed, a dangling link."""
MODIFIED_KEYS = ("LastModified", "last_modified", "updated", "mtime", "modified", "created")
"""Where fsspec's listings put a file's modification time: S3, Azure, GCS, SFTP and others, memory."""


def _local(uri: str, status: os.stat_result) -> Listed:
    return Listed(uri, status.st_size, _EPOCH + timedelta(microseconds=status.st_mtime_ns // 1000),
                  str(status.st_ctime_ns))


def _utc(moment: Any) -> datetime | None:
    """A listing's modification time (datetime, POSIX timestamp or ISO text) as a naive UTC datetime."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    elif isinstance(moment, int | float):
        moment = datetime.fromtimestamp(moment, UTC)
    if not isinstance(moment, datetime):
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _from_info(uri: str, info: dict[str, Any]) -> Listed:
    """A file of object storage from fsspec's description of it (``find(detail=True)`` or ``info``)."""
    modified = next((info[key] for key in MODIFIED_KEYS if info.get(key) is not None), None)
    etag = info.get("ETag") or info.get("etag")
    return Listed(uri, int(info["size"]), _utc(modified), str(etag) if etag else None)


def _prefix(root: Any) -> str:
    """How the uri of every file under ``root`` begins, spelt as ``str(root / name)`` spells it."""
    if isinstance(root, Path):
        return "" if str(root) == "." else os.path.join(root, "")
    return str(root).rstrip("/") + "/"


def uri_prefix(location: str) -> str:
    """How the uri of every file listed under ``location`` begins."""
    return _prefix(open_location(location))


def _local_files(root: Path, skip_folder: str | None) -> Iterator[Listed]:
    """One stat per file, taken as ``Path.rglob`` and ``Path.is_file`` would (links to folders are not
    followed, links to files are), with the same path strings."""
    prefix = _prefix(root)
    for folder, subfolders, names in os.walk(root):
        relative = os.path.relpath(folder, root)
        if relative == ".":
            relative = ""
            subfolders[:] = [name for name in subfolders if name != skip_folder]
        for name in names:
            if is_junk(name) or (not relative and name == skip_folder):
                continue
            uri = prefix + (f"{relative}/{name}" if relative else name)
            try:
                status = os.stat(uri)
            except OSError as exc:
                if exc.errno in _GONE:
                    continue
                raise
            if stat.S_ISREG(status.st_mode):
                yield _local(uri, status)


def _object_files(root: Any, skip_folder: str | None) -> Iterator[Listed]:
    """One listing call for the whole tree, with what the store says of each file; no call per file."""
    base, prefix = root.path.rstrip("/") + "/", _prefix(root)
    try:
        found = root.fs.find(root.path, detail=True)
    except FileNotFoundError:
        return
    for name, info in found.items():
        if info.get("type") != "file" or not name.startswith(base):
            continue
        relative = name[len(base):]
        parts = relative.split("/")
        if is_junk(parts[-1]) or not parts[-1] or (skip_folder and parts[0] == skip_folder):
            continue
        # str(root / relative) spelt directly: building a path object per file costs 50 µs
        yield _from_info(prefix + relative, info)


def _listed(root: Any, skip_folder: str | None) -> list[Listed]:
    files = _local_files(root, skip_folder) if isinstance(root, Path) else _object_files(root, skip_folder)
    return sorted(files, key=lambda f: f.uri)


def listed_submission_files(inbox: str) -> list[Listed]:
    """Every submission file of the inbox, recursively, in path order (the receiving order), with its
    size and version as listed: no file is opened."""
    return _listed(open_location(inbox), skip_folder=TARGETS_FOLDER)


def listed_target_files(inbox: str) -> list[Listed]:
    """Target files dropped in ``<inbox>/targets/``, in path order, with their size and version as listed."""
    return _listed(open_location(inbox) / TARGETS_FOLDER, skip_folder=None)


@dataclass(frozen=True)
class FileBytes:
    """A received file: its bytes, or why they were not read (``error``, then ``data`` is empty), and the
    version its storage gave it just before they were read (see ``Listed``); none when they were not."""

    uri: str
    data: bytes
    sha256: str
    size: int
    error: str | None = None
    modified_at: datetime | None = None
    etag: str | None = None

    @property
    def version(self) -> Version | None:
        return version(self.size, self.modified_at, self.etag)

    @property
    def name(self) -> str:
        return self.uri.rstrip("/").rsplit("/", 1)[-1]


def _streamed_sha256(path: Any) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


SETTLE_SECONDS = 60
"""How long after its last change a file's version is trusted to stand for the bytes read. A file may be
written again within one tick of its file system's clock (milliseconds; a second over SFTP), or be read
while still being written at its final size: one that changed less than this before it was read gets no
version, and the next poll reads it again (as ``git`` re-checks its "racily clean" files)."""


def _settled(uri: str, path: Any) -> Listed:
    """The file's size and version, stat-ed just before its bytes are read; no version unless it settled."""
    changed: datetime | None
    if isinstance(path, Path):
        status = os.stat(path)
        listed, changed = _local(uri, status), _EPOCH + timedelta(microseconds=status.st_ctime_ns // 1000)
    else:
        listed = _from_info(uri, path.stat())
        # an object store replaces an object whole, and its ETag names that object: settled at once
        changed = listed.modified_at if listed.etag is None else None
    now = datetime.now(UTC).replace(tzinfo=None)
    if changed is not None and now - changed < timedelta(seconds=SETTLE_SECONDS):
        return Listed(uri, listed.size, None, None)
    return listed


def read(uri: str, limit: int | None = None) -> FileBytes | None:
    """The file at ``uri``; None when it vanished since it was listed.

    A file larger than ``limit`` bytes is hashed as a stream, never held in memory, and comes back with
    ``error="too_large"``; one the system refuses to read comes back with the system's reason, and no
    version, so that it is read again until it can be. The version is stat-ed before the bytes are read
    (``_settled``): a file changed in between is recorded at an older version than its bytes, and so read
    again next time, never skipped.
    """
    path = open_location(uri)
    try:
        listed = _settled(uri, path)
        if limit is not None and listed.size > limit:
            return FileBytes(uri, b"", _streamed_sha256(path), listed.size, "too_large", listed.modified_at,
                             listed.etag)
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return FileBytes(uri, b"", hashlib.sha256(b"").hexdigest(), 0, error=exc.strerror or str(exc))
    return FileBytes(uri, data, hashlib.sha256(data).hexdigest(), len(data), None, listed.modified_at,
                     listed.etag)


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
