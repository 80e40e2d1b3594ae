"""``POST /api/validate``: the warm validator, which ``scorecard validate`` asks when
``SCORECARD_VALIDATOR_URL`` names this app.

Checking a file on a clerk's machine spends seconds importing Great Expectations before checking 17 rows in
a tenth of that; the API server imports it once, on its first validation (some 240 MB per API server
worker), and answers every later file in a fraction of a second. The answer is the command's JSON
(contract §5) for the posted bytes, checked as the pipeline checks them: the warehouse's catalog, and the
cross-period rules against its accepted submissions.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from scorecard import parsing, validation
from scorecard.warehouse import read_catalog
from scorecard.web import queries

router = APIRouter()
_ONE_AT_A_TIME = threading.Lock()
"""Great Expectations' context and batch definition are shared by the process, not made for concurrent use."""


async def upload(request: Request) -> tuple[bytes, str | None]:
    """The posted file's bytes, or why they were not read: ``too_large`` past the file size limit, at which
    reading stops (as ``sources.read`` refuses a large received file)."""
    limit = parsing.max_file_bytes()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return b"", "too_large"
    return bytes(body), None


@router.post("/validate")
def validate(name: Annotated[str, Query(min_length=1, max_length=4096)],
             posted: Annotated[tuple[bytes, str | None], Depends(upload)]) -> dict[str, Any]:
    """The verdict on the file posted as the body, named ``name`` (its suffix tells a workbook from a CSV;
    the answer's ``file``)."""
    data, refused = posted
    # the connection is taken once this validation's turn comes: a queue of them holds none of the pool
    with _ONE_AT_A_TIME, contextmanager(queries.connection)() as conn:
        subs = validation.validate_bytes(name, data, read_catalog(conn), conn, refused=refused)
    return validation.answer(name, subs)
