"""Benchmark: a whole inbox of hostile files through ``scorecard ingest``, wall time and peak memory.

    .venv/bin/python bench/hostile.py

Writes the inbox of ``tests/hostile_inbox.py`` (zip bomb, billion laughs, disguised, empty and NUL
files, formula text, a 10 MB note, a 200,000-row CSV, odd and 250-byte names; not timed), then runs
``scorecard ingest --json`` on it into a fresh SQLite warehouse and prints the command's wall time, its
peak memory and the verdicts. Goal (issue 9): under a minute, under 1 GB.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests")]

from support.hostile_inbox import write_hostile_inbox  # noqa: E402

from scorecard import catalog  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_hostile_inbox(root / "inbox", catalog.load_files())
        size = sum(p.stat().st_size for p in (root / "inbox").iterdir())
        env = {**os.environ, "SCORECARD_DATA_DIR": str(root / "data"),
               "SCORECARD_DB_URL": f"sqlite:///{root / 'data' / 'warehouse.db'}"}
        started = time.perf_counter()
        command = [str(Path(sys.executable).with_name("scorecard")), "ingest", str(root / "inbox"), "--json"]
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
        wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    verdicts = Counter(e["status"] if e["status"] != "rejected" else e["errors"][0]["rule"]
                       for e in json.loads(done.stdout)["submissions"])
    print(f"hostile inbox: {sum(verdicts.values())} files, {size / 1e6:.1f} MB")
    print(f"scorecard ingest: {wall:.1f} s wall, peak {peak:.0f} MB (goal: < 60 s, < 1024 MB)")
    print("verdicts: " + ", ".join(f"{rule} {n}" for rule, n in sorted(verdicts.items())))


if __name__ == "__main__":
    main()
