"""Runs at once, runs killed mid-way, and a quarantine that cannot be written, on SQLite and PostgreSQL.

Every scenario ends by comparing the warehouse and the quarantine with those of one clean,
uninterrupted run over the same inbox: the database enforces exactly-once, not the timing. Runs that race
or are killed are ``scorecard`` processes; a run alone is the command run in this process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from support import CONTRACT_DIR, SCORECARD
from typer.testing import CliRunner

from scorecard import ingest, receiving, samples, snapshots, targets, warehouse
from scorecard.cli import app
from scorecard.mail_catcher import MailCatcher as SmtpServer
from scorecard.quarantine import STAGING

PERIOD = "2026-10"
CONTRACT_TARGETS = CONTRACT_DIR / "targets_2026.csv"


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory, catalog) -> Path:
    """The sample year (good files, bad files and a correction) as units would drop it."""
    folder = tmp_path_factory.mktemp("inbox")
    samples.generate_year(folder, catalog, 2026, 10)
    return folder


def url_of(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def state(engine: sa.Engine, quarantine: Path) -> dict:
    """What a run leaves, without ids and times: files, submissions, figures and the quarantine's files."""
    queries = {
        "files": "select uri, sha256, outcome from received_files",
        "submissions": "select f.uri, s.unit_code, s.period, s.version, s.status, s.in_force "
                       "from submissions s join received_files f on f.file_id = s.file_id",
        "values": "select s.unit_code, s.period, s.version, v.indicator_code, v.value "
                  "from reported_values v join submissions s on s.submission_id = v.submission_id",
    }
    with engine.connect() as conn:
        found = {name: sorted(tuple(r) for r in conn.execute(sa.text(q))) for name, q in queries.items()}
        kept = conn.execute(sa.text("select stored_path, report_path, feedback_path from quarantine")).all()
    found["quarantine_rows"] = sorted(
        tuple(str(Path(p).relative_to(quarantine)) if p else None for p in row) for row in kept)
    found["quarantine_files"] = sorted(str(p.relative_to(quarantine)) for p in quarantine.rglob("*")
                                       if p.is_file())
    return found


@pytest.fixture(scope="module")
def clean_run(inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    """The state and the 2026-10 snapshot of one uninterrupted run over the inbox."""
    folder = tmp_path_factory.mktemp("clean")
    eng = warehouse.engine(f"sqlite:///{folder / 'warehouse.db'}")
    cat = warehouse.init_db(eng)
    with eng.begin() as conn:
        targets.load(conn, targets.read(CONTRACT_TARGETS, cat))
    ingest.ingest_files(eng, receiving.pending_files(eng, str(inbox)), quarantine_root=str(folder / "q"))
    snapshot = snapshots.take_and_load(eng, PERIOD).as_json()
    found = state(eng, folder / "q")
    eng.dispose()
    return found, snapshot


def assert_same_snapshot(found: dict, expected: dict) -> None:
    """Equal snapshots; figures to 1e-9 (PostgreSQL and SQLite may sum floats in another order)."""
    assert (found["period"], found["version"], found["missing_units"]) == (
        expected["period"], expected["version"], expected["missing_units"])
    assert [(r["unit_code"], r["indicator_code"]) for r in found["rows"]] == [
        (r["unit_code"], r["indicator_code"]) for r in expected["rows"]]
    for row, expected_row in zip(found["rows"], expected["rows"], strict=True):
        for name, value in expected_row.items():
            exact = not isinstance(value, float) or isinstance(value, bool)
            assert row[name] == (value if exact else pytest.approx(value, rel=1e-9)), (row, name)


def scorecard(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([SCORECARD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def finished(process: subprocess.Popen) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=600)
    assert "Traceback" not in stderr, stderr
    return process.returncode, stdout, stderr


def in_process(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """``scorecard ARGS`` run in this process (Typer's CliRunner), where no other run races it."""
    result = CliRunner(env=env).invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def assert_invariants(engine: sa.Engine) -> None:
    """What the unique keys promise, asked of the data itself."""
    checks = {
        "a location received twice with the same bytes":
            "select uri, sha256 from received_files group by uri, sha256 having count(*) > 1",
        "two submissions in force for one unit and period":
            "select unit_code, period from submissions where in_force group by unit_code, period "
            "having count(*) > 1",
        "a version number given twice":
            "select unit_code, period, version from submissions where version is not null "
            "group by unit_code, period, version having count(*) > 1",
    }
    with engine.connect() as conn:
        for what, query in checks.items():
            assert conn.execute(sa.text(query)).all() == [], what


def test_two_ingests_at_once_give_each_file_one_verdict(engine, inbox, tmp_path, clean_run) -> None:
    quarantine = tmp_path / "q"
    env = {"SCORECARD_QUARANTINE": str(quarantine)}
    runs = [scorecard("ingest", str(inbox), "--db", url_of(engine), "--json", env=env) for _ in range(2)]
    answers = [finished(run) for run in runs]

    assert [code for code, _, _ in answers] == [0, 0]
    files = [{entry["file"] for entry in json.loads(stdout)["submissions"]} for _, stdout, _ in answers]
    assert files[0].isdisjoint(files[1])
    assert files[0] | files[1] == {str(p) for p in inbox.rglob("*") if p.is_file()}
    assert_invariants(engine)
    expected_state, expected_snapshot = clean_run
    assert state(engine, quarantine) == expected_state
    assert_same_snapshot(snapshots.take_and_load(engine, PERIOD).as_json(), expected_snapshot)


def test_snapshots_and_alerts_racing_store_one_version_and_mail_each_alert_once(engine, inbox,
                                                                               tmp_path) -> None:
    pending = receiving.pending_files(engine, str(inbox))
    ingest.ingest_files(engine, pending, quarantine_root=str(tmp_path / "q"))
    url = url_of(engine)

    racing = [scorecard("snapshot", "--period", PERIOD, "--db", url, "--json") for _ in range(2)]
    takes = [finished(process) for process in racing]
    assert [json.loads(stdout)["version"] for _, stdout, _ in takes] == [1, 1]
    with engine.connect() as conn:
        versions = conn.execute(sa.text("select count(*) from snapshots where period = :p"), {"p": PERIOD})
        assert versions.scalar() == 1

    with SmtpServer() as server:
        env = {"SCORECARD_TEAM_EMAILS": "team@example.org", "SCORECARD_MAIL_FROM": "scorecard@example.org"}
        runs = [scorecard("alerts", "--period", PERIOD, "--db", url, "--smtp-url", server.url, "--json",
                          env=env) for _ in range(2)]
        answers = [json.loads(stdout) for _, stdout, _ in map(finished, runs)]
    with engine.connect() as conn:
        logged = conn.execute(sa.text("select recipient, state from alert_log")).all()
    assert logged and {row.state for row in logged} == {"sent"}
    assert sum(answer["delivery"]["sent"] for answer in answers) == len(logged)
    recipients = sorted(r.rcpt_tos[0] for r in server.received)
    assert recipients == sorted(set(recipients)), "a recipient got the same alert twice"


def wait_for(condition: Callable[[], bool], process: subprocess.Popen, timeout: float = 120) -> bool:
    """Poll ``condition`` until it holds (True) or the process ended first (False)."""
    give_up = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < give_up:
        if condition():
            return True
        time.sleep(0.005)
    return False


INGEST_IN_CHUNKS = """
import sys
from scorecard import ingest, receiving, warehouse
engine = warehouse.engine(sys.argv[1])
ingest.ingest_files(engine, receiving.pending_files(engine, sys.argv[2]), quarantine_root=sys.argv[3],
                    batch_size=7)
"""


def received(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("select count(*) from received_files")).scalar_one()


def test_ingest_killed_at_any_moment_then_rerun_equals_a_clean_run(engine, inbox, tmp_path,
                                                                   clean_run) -> None:
    quarantine = tmp_path / "q"
    moments: dict[str, Callable[[], bool]] = {
        "a rejection staged, not committed": lambda: (quarantine / STAGING).exists(),
        "a few chunks committed": lambda: received(engine) >= 20,
        "half the inbox committed": lambda: received(engine) >= 60,
    }
    killed = []
    for moment, condition in moments.items():
        process = subprocess.Popen([sys.executable, "-c", INGEST_IN_CHUNKS, url_of(engine), str(inbox),
                                    str(quarantine)])
        if wait_for(condition, process):
            process.send_signal(signal.SIGKILL)
            killed.append(moment)
        process.wait(timeout=600)
    assert killed, "the ingest finished before any moment to kill it came"

    ingest.ingest_files(engine, receiving.pending_files(engine, str(inbox)), quarantine_root=str(quarantine))

    assert not (quarantine / STAGING).exists() or not any((quarantine / STAGING).iterdir())
    assert_invariants(engine)
    expected_state, expected_snapshot = clean_run
    assert state(engine, quarantine) == expected_state
    assert_same_snapshot(snapshots.take_and_load(engine, PERIOD).as_json(), expected_snapshot)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """Mount small tmpfs file systems (read-only or tiny) for the test; root only, as CI runs."""
    mounted: list[Path] = []

    def mount(options: str) -> Path:
        point = tmp_path / f"mount{len(mounted)}"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
                              capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here (needs root, as CI has): {done.stderr.decode().strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], check=False)


def fill(folder: Path) -> None:
    """Fill a file system until it refuses another byte."""
    try:
        with (folder / "filler").open("wb") as out:
            while True:
                out.write(b"\0" * 4096)
                out.flush()
    except OSError:
        pass


@pytest.mark.parametrize("fault", ["read-only", "full"])
def test_quarantine_that_cannot_be_written_fails_cleanly_and_the_next_run_catches_up(
        engine, inbox, tmp_path, clean_run, tmpfs, fault) -> None:
    broken = tmpfs("ro,size=1m") if fault == "read-only" else tmpfs("size=64k")
    if fault == "full":
        fill(broken)
    before = sorted((p.name, p.stat().st_mtime_ns) for p in inbox.iterdir())

    code, stdout, stderr = in_process("ingest", str(inbox), "--db", url_of(engine), "--json",
                                      env={"SCORECARD_QUARANTINE": str(broken / "q")})

    assert code == 2
    assert json.loads(stdout)["error"].startswith(f"the quarantine {broken / 'q'} cannot be written")
    assert [line for line in stderr.splitlines() if line.startswith("error:")] == [
        "error: " + json.loads(stdout)["error"]]
    assert received(engine) == 0, "nothing may be committed while the quarantine cannot be written"
    assert sorted((p.name, p.stat().st_mtime_ns) for p in inbox.iterdir()) == before

    quarantine = tmp_path / "q"
    code, _, _ = in_process("ingest", str(inbox), "--db", url_of(engine), "--json",
                            env={"SCORECARD_QUARANTINE": str(quarantine)})
    assert code == 0
    expected_state, expected_snapshot = clean_run
    assert state(engine, quarantine) == expected_state
    assert_same_snapshot(snapshots.take_and_load(engine, PERIOD).as_json(), expected_snapshot)


def test_unreachable_warehouse_is_one_line_and_exit_2(tmp_path) -> None:
    url = "postgresql://postgres@127.0.0.1:1/nowhere"
    for args in (["init-db"], ["ingest", str(tmp_path)], ["snapshot", "--period", PERIOD]):
        code, stdout, stderr = finished(scorecard(*args, "--db", url, "--json"))
        assert code == 2, args
        assert json.loads(stdout)["error"].startswith("the warehouse cannot be used: "), args
        assert len(stderr.strip().splitlines()) == 1, stderr
