"""Who may use the app: the user logged in to Airflow, as Airflow's own API checks it.

``user`` is the dependency of every route. It hands the request to Airflow's
``airflow.api_fastapi.core_api.security.get_user``: a ``Authorization: Bearer`` token if there is one,
else the ``_token`` cookie the UI sets; no token answers 401, an invalid one 403. The plugin file is
imported by every Airflow process that loads plugins, task processes included (for macros), so that
module (a second of imports) is only imported on the first request, in the API server; ``credentials``
is resolved here with the same ``HTTPBearer`` scheme ``get_user`` declares.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

bearer = HTTPBearer(auto_error=False)


async def user(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Any:
    """The logged-in Airflow user; HTTP 401/403 otherwise."""
    from airflow.api_fastapi.core_api.security import get_user

    return await get_user(request, _oauth_token=None, bearer_credentials=credentials)
