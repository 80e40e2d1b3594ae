"""Task log files for DAG runs made with ``dag.test()``, where Airflow's UI reads them.

``dag.test()`` runs each task in this process, without the supervisor that writes a task's log file, so
the UI shows "Log file not found" for every task of the demo's runs. ``written`` wraps its per-task
runner to send the log records of each task, as the JSON lines Airflow writes, to the file the UI
looks for: ``<base_log_folder>/dag_id=…/run_id=…/task_id=…/[map_index=…/]attempt=N.log``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class _JsonLines(logging.Formatter):
    """One record a line, with the fields Airflow's log reader expects (timestamp, event, level, logger)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
                "event": record.getMessage(), "level": record.levelname.lower(), "logger": record.name}
        if record.exc_info:
            line["event"] += "\n" + self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def log_path(folder: Path, ti: Any) -> Path:
    """The log file of a task instance attempt, laid out as Airflow's default ``log_filename_template``."""
    path = folder / f"dag_id={ti.dag_id}" / f"run_id={ti.run_id}" / f"task_id={ti.task_id}"
    if ti.map_index >= 0:
        path /= f"map_index={ti.map_index}"
    return path / f"attempt={max(ti.try_number, 1)}.log"


@contextmanager
def written(folder: Path) -> Iterator[None]:
    """While open, each task ``dag.test()`` runs logs (INFO and above) into its file under ``folder``."""
    from airflow.sdk.definitions import dag as dag_module

    run_task = dag_module._run_task

    def logged(*, ti: Any, task: Any, **kwargs: Any) -> Any:
        path = log_path(folder, ti)
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(_JsonLines())
        handler.setLevel(logging.INFO)
        root = logging.getLogger()
        level = root.level
        root.addHandler(handler)
        root.setLevel(min(level, logging.INFO))
        try:
            return run_task(ti=ti, task=task, **kwargs)
        finally:
            root.removeHandler(handler)
            root.setLevel(level)
            handler.close()

    dag_module._run_task = logged
    try:
        yield
    finally:
        dag_module._run_task = run_task
