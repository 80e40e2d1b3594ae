"""The scorecard in the Airflow UI: the ``scorecard.web`` app on the API server at ``/scorecard``, a nav
entry to its pages and a tab on every DAG run (what a ``scorecard_ingest`` run received, which snapshot a
``scorecard_monthly_snapshot`` run took). The UI shows both in a frame; the app asks for the Airflow login.
"""

from airflow.plugins_manager import AirflowPlugin

from scorecard.web import create_app


class ScorecardPlugin(AirflowPlugin):
    name = "scorecard"
    fastapi_apps = [{"app": create_app(), "url_prefix": "/scorecard", "name": "Scorecard"}]
    external_views = [
        {"name": "Scorecard 科技指标", "href": "scorecard/month", "destination": "nav",
         "url_route": "scorecard", "icon": "scorecard/static/icon.svg"},
        {"name": "Scorecard 科技指标", "href": "scorecard/runs/{DAG_ID}/{RUN_ID}", "destination": "dag_run",
         "url_route": "scorecard-run", "icon": "scorecard/static/icon.svg"},
    ]
