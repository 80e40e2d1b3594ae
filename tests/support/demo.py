"""``scorecard demo`` and ``scorecard airflow`` as a user starts them: the installed command in a
subprocess, with its data folder and Airflow home under a temporary folder."""

from __future__ import annotations

import contextlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psutil

from support import SCORECARD

TIMEOUT = 600


@dataclass(frozen=True)
class DemoRun:
    data: Path
    airflow_home: Path
    process: subprocess.CompletedProcess[str]


def run_demo(root: Path, **extra_env: str) -> DemoRun:
    """``scorecard demo`` with its data folder and Airflow home under ``root``."""
    data, home = root / "data", root / "airflow"
    env = {**os.environ, "SCORECARD_DATA_DIR": str(data), "SCORECARD_AIRFLOW_HOME": str(home), **extra_env}
    process = subprocess.run([SCORECARD, "demo"], env=env, capture_output=True, text=True,
                             timeout=TIMEOUT, check=False)
    return DemoRun(data, home, process)


def kill_tree(process: subprocess.Popen, tree: list[psutil.Process]) -> None:
    """SIGKILL ``process`` and every process it started (those seen in ``tree`` and those under it now)."""
    if process.poll() is None:
        tree = [*tree, *psutil.Process(process.pid).children(recursive=True)]
        process.kill()
    for leftover in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            leftover.kill()
    process.wait()
