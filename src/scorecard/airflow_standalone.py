"""``airflow standalone`` on the project's own Airflow (``scorecard airflow``): started with a mail catcher,
announced once its UI answers, and stopped with every process under it on Ctrl-C."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scorecard import airflow_env
from scorecard.mail_catcher import MailCatcher

PASSWORDS_FILE = "simple_auth_manager_passwords.json.generated"


class StandaloneError(RuntimeError):
    """Airflow standalone could not start, or stopped with an error; the message says why."""


def _port_open(host: str, port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signum)


def _signal_all(processes: Sequence[Any], sig: int) -> None:
    import psutil

    for proc in processes:
        try:
            proc.send_signal(sig)
        except psutil.NoSuchProcess:
            pass


def _stop(process: subprocess.Popen[bytes], grace: float = 5) -> None:
    """Ctrl-C to standalone, which stops its components; after ``grace`` seconds SIGTERM to every process
    still under it, including those that keep a process group of their own (the executor's workers, which
    would otherwise hold standalone's output pipes open), and SIGKILL to whatever is left 5 seconds later.

    Only standalone gets the Ctrl-C: Airflow's scheduler, given SIGINT beside standalone's own SIGTERM,
    sometimes never finishes stopping (it hangs before telling the LocalExecutor's workers, which ignore
    SIGINT, to stop)."""
    import signal

    import psutil

    try:
        leader = psutil.Process(process.pid)
        tree = [leader, *leader.children(recursive=True)]
    except psutil.NoSuchProcess:
        tree = []
    _signal_all(tree[:1], signal.SIGINT)
    if psutil.wait_procs(tree, timeout=grace)[1]:
        _signal_all(tree, signal.SIGTERM)
        _signal_all(psutil.wait_procs(tree, timeout=5)[1], signal.SIGKILL)
    process.wait()


def serve(outbox: Path, progress: Any = print, announce: Any = print) -> int:
    """``airflow standalone`` on the project's Airflow home until Ctrl-C; returns its exit status.

    It listens on ``AIRFLOW__API__HOST`` (default 127.0.0.1) port ``AIRFLOW__API__PORT`` (default 8080);
    its output goes to ``standalone.log`` in the Airflow home, mail to a catcher saving it in ``outbox``;
    the executor runs at most ``AIRFLOW__CORE__PARALLELISM`` (default here 4) tasks at once.
    ``announce`` receives the URL and the login once the UI answers.
    """
    import os
    import signal
    import time

    home = airflow_env.airflow_home()
    home.mkdir(parents=True, exist_ok=True)
    host = os.environ.get("AIRFLOW__API__HOST", "127.0.0.1")
    port = int(os.environ.get("AIRFLOW__API__PORT", "8080"))
    if _port_open(host, port):
        raise StandaloneError(f"{host}:{port} is taken; set AIRFLOW__API__PORT to a free port")
    log = home / "standalone.log"
    passwords = home / PASSWORDS_FILE
    for sig in (signal.SIGINT, signal.SIGTERM):  # stop Airflow too, however this process is stopped
        signal.signal(sig, _interrupt)
    with MailCatcher(folder=outbox) as catcher, log.open("ab") as out:
        env = airflow_env.environment(
            home, AIRFLOW_CONN_SMTP_DEFAULT=catcher.connection, AIRFLOW__API__HOST=host,
            AIRFLOW__API__PORT=str(port),
            AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://{host}:{port}/execution/",
            AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin",
            AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(passwords),
            AIRFLOW__CORE__PARALLELISM=os.environ.get("AIRFLOW__CORE__PARALLELISM", "4"))
        progress(f"starting Airflow standalone (Airflow home {home}, output in {log}); Ctrl-C stops it")
        process = subprocess.Popen(airflow_env.airflow_command("standalone"), env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            while process.poll() is None and not (passwords.exists() and _port_open(host, port)):
                time.sleep(1)
            if process.poll() is None:
                password = json.loads(passwords.read_text()).get("admin", "?")
                announce(f"Airflow UI: http://{host}:{port}  login: admin  password: {password}")
                announce(f"DAGs: {env['AIRFLOW__CORE__DAGS_FOLDER']}  warehouse: {env['SCORECARD_DB_URL']}  "
                         f"mail: {outbox}")
            code = process.wait()
        except KeyboardInterrupt:
            progress("stopping Airflow")
            for sig in (signal.SIGINT, signal.SIGTERM):  # the stop is bounded: let it finish
                signal.signal(sig, signal.SIG_IGN)
            _stop(process)
            return 0
    if code != 0:
        raise StandaloneError(f"airflow standalone stopped with exit status {code}:\n{_tail(log)}")
    return code
