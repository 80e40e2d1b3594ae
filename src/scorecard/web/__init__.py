"""The data team's scorecard inside the Airflow UI: a FastAPI app the API server mounts at ``/scorecard``
(``plugins/scorecard_plugin.py``), its pages shown by the UI in a frame, from the nav and from DAG runs.

Pages (server-rendered, Chinese first): ``/month`` the unit × indicator matrix of a snapshot version,
``/submissions`` a month's submissions by unit, ``/unit/{code}`` a unit's year, ``/bulletins`` and
``/diff`` the bulletin files and what changed between versions, ``/runs/{dag_id}/{run_id}`` what a run
did. Charts are drawn in the browser with uPlot (1.6.32, MIT, vendored in ``static/``) from ``/api/...``.
Files are served by warehouse id under ``/download/...``. ``POST /api/validate`` is the warm validator of
``scorecard validate``. Every route needs the Airflow login.
"""

from scorecard.web.app import create_app

__all__ = ["create_app"]
