"""A distributed Airflow for tests: CeleryExecutor, the machine's PostgreSQL and Redis, real processes.

``AirflowCluster`` migrates a fresh metadata database, then starts the scheduler, the dag-processor, the
api-server and one Celery worker as subprocesses (each in its own process group, its output in a log
file), all sharing one environment: the project's DAGs, a broker on a dedicated Redis database and a
queue of the cluster's own (so that two clusters on one Redis never take each other's tasks), the Celery
results in the metadata database, the api-server's execution API for the worker, shared secrets.
``stop()`` ends every process it started. ``Api`` talks to the REST API as the admin user.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from support import DAGS_DIR

AIRFLOW = Path(sys.executable).with_name("airflow")


def tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a text file ("" when it does not exist)."""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def wait_for(condition: Callable[[], Any], timeout: float, what: str, every: float = 2.0) -> Any:
    """Poll ``condition`` until it returns something truthy; ``TimeoutError`` (naming ``what``) after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f}s")
        time.sleep(every)


@dataclass
class Component:
    """One Airflow process of the cluster."""

    name: str
    command: list[str]
    log: Path
    process: subprocess.Popen | None = None

    def start(self, env: Mapping[str, str]) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.command, env=dict(env), stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True, cwd=self.log.parent)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self) -> None:
        """SIGTERM to the process group, without waiting."""
        if self.running():
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def stop(self, grace: float = 20) -> None:
        """SIGTERM to the process group, then SIGKILL after ``grace`` seconds."""
        if self.process is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
        # A child that outlived its leader (a task process) still belongs to the group.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


@dataclass
class AirflowCluster:
    """Airflow with the CeleryExecutor on PostgreSQL (``metadata_url``) and Redis (``broker_url``)."""

    root: Path
    metadata_url: str
    broker_url: str
    api_port: int
    extra_env: Mapping[str, str] = field(default_factory=dict)
    queue: str = field(default_factory=lambda: f"scorecard-test-{secrets.token_hex(4)}")
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    components: list[Component] = field(default_factory=list)

    @property
    def home(self) -> Path:
        return self.root / "airflow"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def environment(self) -> dict[str, str]:
        """The environment every component shares."""
        sqlalchemy_url = self.metadata_url.replace("postgresql://", "postgresql+psycopg://", 1)
        passwords = self.home / "passwords.json"
        return {
            **os.environ,
            "AIRFLOW_HOME": str(self.home),
            "PATH": os.pathsep.join([str(AIRFLOW.parent), os.environ.get("PATH", "")]),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url,
            # psycopg 3 is async too: without this Airflow would pick asyncpg, which is not installed.
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": sqlalchemy_url,
            "AIRFLOW__CELERY__BROKER_URL": self.broker_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{self.metadata_url}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            # A task's supervisor notices that its task ended within this many seconds (5 by default:
            # a quick task would often hold its Celery slot for 5 s after it ended).
            "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__BASE_URL": self.api_url,
            "AIRFLOW__API__SECRET_KEY": self._secret("api_secret_key"),
            "AIRFLOW__API_AUTH__JWT_SECRET": self._secret("jwt_secret"),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "GX_ANALYTICS_ENABLED": "false",
            **self.extra_env,
        }

    def _secret(self, name: str) -> str:
        path = self.home / f".{name}"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32))
        return path.read_text()

    def start(self, timeout: float = 240) -> None:
        """Migrate the metadata database, start the components, wait until the API answers."""
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "passwords.json").write_text(json.dumps({"admin": self.password}))
        env = self.environment()
        migrate = subprocess.run([str(AIRFLOW), "db", "migrate"], env=env, capture_output=True, text=True,
                                 timeout=timeout, check=False)
        if migrate.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed:\n{migrate.stdout[-3000:]}\n"
                               f"{migrate.stderr[-3000:]}")
        commands = {
            "api-server": ["api-server"],
            "scheduler": ["scheduler"],
            "dag-processor": ["dag-processor"],
            "celery-worker": ["celery", "worker", "--queues", self.queue, "--concurrency", "2",
                              "--celery-hostname", f"{self.queue}@%h", "--skip-serve-logs",
                              "--without-gossip", "--without-mingle"],
        }
        for name, args in commands.items():
            component = Component(name, [str(AIRFLOW), *args], self.root / f"{name}.log")
            self.components.append(component)
            component.start(env)
        wait_for(lambda: self._api_up() or self._died(), timeout, "the api-server to answer")
        if died := self._died():
            raise RuntimeError(f"{died} stopped during start-up")

    def _api_up(self) -> bool:
        try:
            return httpx.get(f"{self.api_url}/api/v2/monitor/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def _died(self) -> str:
        return ", ".join(c.name for c in self.components if not c.running())

    def stop(self) -> None:
        """Every component told to stop at once, then each waited for (killed after its grace)."""
        for component in reversed(self.components):
            component.terminate()
        for component in reversed(self.components):
            component.stop()

    def diagnostics(self) -> str:
        """Each component's state and log tail, and the tail of every task log: for failure messages."""
        parts = []
        for component in self.components:
            state = "running" if component.running() else "exited"
            parts.append(f"===== {component.name} ({state}) {component.log}\n{tail(component.log)}")
        for log in sorted((self.home / "logs").rglob("*.log")):
            parts.append(f"===== task log {log.relative_to(self.home)}\n{tail(log, 25)}")
        return "\n".join(parts)

    def api(self) -> Api:
        return Api(self.api_url, "admin", self.password)


class Api:
    """The REST API (v2) as one user."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        token = httpx.post(f"{base_url}/auth/token", json={"username": username, "password": password},
                           timeout=30)
        token.raise_for_status()
        self.client = httpx.Client(base_url=f"{base_url}/api/v2", timeout=30,
                                   headers={"Authorization": f"Bearer {token.json()['access_token']}"})

    def dag(self, dag_id: str) -> dict | None:
        """The DAG once the dag-processor has parsed it, else None."""
        response = self.client.get(f"/dags/{dag_id}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()

    def unpause(self, dag_id: str) -> None:
        self.client.patch(f"/dags/{dag_id}", json={"is_paused": False}).raise_for_status()

    def runs(self, dag_id: str) -> list[dict]:
        """The DAG's runs, oldest first."""
        response = self.client.get(f"/dags/{dag_id}/dagRuns", params={"order_by": "run_after", "limit": 100})
        response.raise_for_status()
        return response.json()["dag_runs"]

    def upstream_events(self, dag_id: str, run_id: str) -> list[dict]:
        """The asset events that triggered a run (``source_dag_id``, ``source_run_id``, ``extra``, ...)."""
        response = self.client.get(f"/dags/{dag_id}/dagRuns/{run_id}/upstreamAssetEvents")
        response.raise_for_status()
        return response.json()["asset_events"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        response = self.client.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 100})
        response.raise_for_status()
        return response.json()["task_instances"]

    def task_states(self, dag_id: str, run_id: str) -> dict[str, list[str | None]]:
        """Each task's states in a run (several for a mapped task)."""
        states: dict[str, list[str | None]] = {}
        for ti in sorted(self.task_instances(dag_id, run_id), key=lambda t: t["map_index"]):
            states.setdefault(ti["task_id"], []).append(ti["state"])
        return states

    def close(self) -> None:
        self.client.close()
