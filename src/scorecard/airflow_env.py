"""The environment of the project's own Airflow (``scorecard demo``, ``scorecard airflow``).

A project-local ``AIRFLOW_HOME`` (``SCORECARD_AIRFLOW_HOME``, else ``.airflow/`` in the project) with its
metadata database on SQLite, the project's ``dags/`` and ``plugins/`` folders (the scorecard pages in the
UI), no example DAGs, task supervisors checking every second, the virtual environment's
``bin/`` first on ``PATH`` (Airflow starts its components by command name), and the demo warehouse: the
SQLite file of the data folder, whatever ``SCORECARD_DB_URL`` says, so that a demo never writes into a
real warehouse.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from scorecard import config

SMTP_CONN_ID = "smtp_default"


def airflow_home() -> Path:
    """``SCORECARD_AIRFLOW_HOME``, else ``.airflow/`` in the project."""
    home = os.environ.get("SCORECARD_AIRFLOW_HOME")
    return Path(home).resolve() if home else config.project_dir() / ".airflow"


def bin_dir() -> Path:
    """The folder of this interpreter's commands (``.venv/bin``), where ``airflow`` is installed too."""
    return Path(sys.executable).parent


def airflow_command(*args: str) -> list[str]:
    """The ``airflow`` command of this environment, with ``args``."""
    return [str(bin_dir() / "airflow"), *args]


def smtp_connection(host: str, port: int) -> str:
    """An ``AIRFLOW_CONN_SMTP_DEFAULT`` value for a plain SMTP server (no TLS, no login)."""
    return json.dumps({"conn_type": "smtp", "host": host, "port": port,
                       "extra": {"disable_ssl": True, "disable_tls": True}})


def environment(home: Path | None = None, base: Mapping[str, str] | None = None,
                **overrides: str) -> dict[str, str]:
    """``base`` (default: this process's environment), the project's Airflow settings, ``overrides``."""
    home = home or airflow_home()
    data = config.data_dir().resolve()
    env = dict(os.environ if base is None else base)
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(config.project_dir() / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(config.project_dir() / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # A task's supervisor notices that its task ended within a second (by default it may take 5 s,
        # the executor's slot held meanwhile: a quick task then looks 5 s long in the UI).
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
        "PATH": os.pathsep.join([str(bin_dir()), env.get("PATH", "")]),
        "GX_ANALYTICS_ENABLED": "false",
        "SCORECARD_DATA_DIR": str(data),
        "SCORECARD_DB_URL": f"sqlite:///{data / 'warehouse.db'}",
        "SCORECARD_INBOX": str(data / "inbox"),
        "SCORECARD_QUARANTINE": str(data / "quarantine"),
        "SCORECARD_OUTPUT": str(data / "bulletins"),
    })
    env.update(overrides)
    return env
