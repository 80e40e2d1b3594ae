"""The FastAPI app: every route behind the Airflow login, its errors as a page for a browser."""

from __future__ import annotations

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from scorecard.web import api, auth, files, pages, validator
from scorecard.web.render import page


def _wants_page(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _login_url(request: Request) -> str:
    from airflow.api_fastapi.app import get_auth_manager

    return get_auth_manager().get_url_login(next_url=str(request.url))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if not _wants_page(request):
        return await http_exception_handler(request, exc)
    login = _login_url(request) if exc.status_code == 401 else None
    return page(request, "error.html", status_code=exc.status_code, code=exc.status_code, detail=exc.detail,
                login=login)


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if not _wants_page(request):
        return await request_validation_exception_handler(request, exc)
    detail = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in exc.errors())
    return page(request, "error.html", status_code=422, code=422, detail=detail, login=None)


def create_app() -> FastAPI:
    """The app Airflow mounts (at ``/scorecard``); nothing is read or connected before the first request.

    No OpenAPI documents or docs pages: they would be the only routes outside the login.
    """
    app = FastAPI(title="Scorecard 科技指标", dependencies=[Depends(auth.user)], docs_url=None,
                  redoc_url=None, openapi_url=None)
    app.include_router(pages.router)
    app.include_router(api.router, prefix="/api")
    app.include_router(validator.router, prefix="/api")
    app.include_router(files.router)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    return app
