"""Downloads (a rejected file's original and feedback workbook, bulletins) and the app's static assets.

A download is named by its id in the warehouse (``quarantine.file_id``, ``bulletins.bulletin_id``),
never by a path: the location comes from the warehouse and is read through ``scorecard.sources``, so a
quarantine or bulletin folder on object storage is served like a local one. An id the warehouse does not
know is a 404. Static assets are a fixed list of the files shipped in ``web/static``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Response
from sqlalchemy.engine import Connection

from scorecard import sources
from scorecard.web import queries
from scorecard.web.render import file_name

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC = {
    "scorecard.css": "text/css; charset=utf-8",
    "scorecard.js": "text/javascript; charset=utf-8",
    "icon.svg": "image/svg+xml",
    "uPlot.iife.min.js": "text/javascript; charset=utf-8",
    "uPlot.min.css": "text/css; charset=utf-8",
    "uPlot.LICENSE": "text/plain; charset=utf-8",
}
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "html": "text/html; charset=utf-8",
}
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9._-]")

Conn = Annotated[Connection, Depends(queries.connection)]
router = APIRouter()


def content_disposition(name: str) -> str:
    """``attachment`` named ``name``: an ASCII stand-in for old clients, the UTF-8 name (RFC 5987/6266)."""
    fallback = _NOT_TOKEN.sub("_", name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _download(location: str | None, zh: str, en: str) -> Response:
    if not location:
        raise HTTPException(404, f"没有该{zh} / no such {en}")
    found = sources.read(location)
    if found is None:
        raise HTTPException(404, f"{zh}已不在保存位置 / the {en} is no longer where it was kept")
    if found.error:
        raise HTTPException(503, f"{zh}暂时无法读取 / the {en} cannot be read: {found.error}")
    name = file_name(location)
    media_type = MEDIA_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    return Response(found.data, media_type=media_type, headers={
        "Content-Disposition": content_disposition(name), "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store"})


@router.get("/download/original/{file_id}")
def original(file_id: int, conn: Conn) -> Response:
    """The original bytes of a rejected file, as kept in quarantine."""
    kept = queries.quarantined_file(conn, file_id)
    return _download(kept["stored_path"] if kept else None, "原始文件", "original file")


@router.get("/download/feedback/{file_id}")
def feedback(file_id: int, conn: Conn) -> Response:
    """The feedback workbook of a rejected file (none for a file that could not be read)."""
    kept = queries.quarantined_file(conn, file_id)
    return _download(kept["feedback_path"] if kept else None, "反馈表", "feedback workbook")


@router.get("/download/bulletin/{bulletin_id}")
def bulletin(bulletin_id: int, conn: Conn) -> Response:
    """A bulletin file (xlsx or html) by its id."""
    found = queries.bulletin(conn, bulletin_id)
    return _download(found["location"] if found else None, "通报", "bulletin")


@cache
def _asset(name: str) -> bytes:
    return (STATIC_DIR / name).read_bytes()


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in STATIC:
        raise HTTPException(404, "no such asset")
    return Response(_asset(name), media_type=STATIC[name], headers={"Cache-Control": "private, max-age=3600"})
