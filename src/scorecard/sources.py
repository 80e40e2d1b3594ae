"""Where submissions come from: a local inbox folder or any ObjectStoragePath URL (s3://, sftp://, …)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TARGETS_FOLDER = "targets"
"""Sub-folder of an inbox where annual target files are dropped (loaded as targets, not submissions)."""

IGNORED_PREFIXES = (".", "~$")
"""Hidden files and the lock files Excel leaves beside an open workbook."""


def is_url(location: str) -> bool:
    return "://" in location and not location.startswith("file://")


def open_location(location: str) -> Any:
    """A path-like object for ``location``: ``pathlib.Path`` locally, ``ObjectStoragePath`` for URLs."""
    if is_url(location):
        from airflow.sdk import ObjectStoragePath

        return ObjectStoragePath(location)
    return Path(location.removeprefix("file://")).expanduser()


def _listed(root: Any, skip_folder: str | None) -> list[Any]:
    if not root.exists():
        return []
    found = []
    for path in root.rglob("*"):
        relative = path.relative_to(root).parts
        if any(part.startswith(IGNORED_PREFIXES) for part in relative):
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
    uri: str
    data: bytes

    @property
    def name(self) -> str:
        return self.uri.rstrip("/").rsplit("/", 1)[-1]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def read(uri: str) -> FileBytes:
    return FileBytes(uri, open_location(uri).read_bytes())


def write_bytes(location: str, data: bytes) -> str:
    """Write ``data`` to a local path or URL, creating parent folders; returns the location."""
    target = open_location(location)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return str(target)


def join(location: str, *parts: str) -> str:
    return str(open_location(location).joinpath(*parts))
