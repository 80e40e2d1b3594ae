"""A poll costs what is new, not what was received: on SQLite and PostgreSQL, on a local disk and on object
storage (fsspec's memory file system), an unchanged inbox is polled without reading any file's bytes."""

from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from support import TODAY
from support.submission_files import complete_rows, write_csv

from scorecard import ingest, receiving, sources, targets, warehouse

TARGETS = b"year,unit_code,indicator_code,target\n2027,CITY,HTE_APPLY,70\n2027,C01,HTE_APPLY,12\n"


@pytest.fixture(autouse=True)
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test reads its files a moment after writing them: trust their versions at once (the margin kept
    for files still being written has its own test)."""
    monkeypatch.setattr(sources, "SETTLE_SECONDS", 0)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every location whose bytes are read from now on (``sources.read``), in order."""
    read = sources.read
    found: list[str] = []

    def counting(uri: str, limit: int | None = None) -> sources.FileBytes | None:
        found.append(uri)
        return read(uri, limit)

    monkeypatch.setattr(sources, "read", counting)
    return found


@pytest.fixture
def inbox(tmp_path: Path, catalog) -> Path:
    """Two units' April and a target file, as units and the data team drop them."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    write_csv(folder / "a.csv", [("C01", "2026-04", complete_rows(catalog, "C01", 4))])
    (folder / "sub").mkdir()
    write_csv(folder / "sub" / "b.csv", [("C02", "2026-04", complete_rows(catalog, "C02", 4))])
    (folder / "targets").mkdir()
    (folder / "targets" / "2027.csv").write_bytes(TARGETS)
    return folder


def poll(engine: sa.Engine, inbox: str, quarantine: Path) -> list[str]:
    """One run of ``scorecard_ingest`` (target files, then submissions): the files it took, in order."""
    loaded = targets.load_dropped(engine, inbox)
    report = ingest.ingest_files(engine, receiving.pending_files(engine, inbox), today=TODAY,
                                 quarantine_root=str(quarantine))
    return [r["file"] for r in loaded] + list(dict.fromkeys(e["file"] for e in report.entries))


def received(engine: sa.Engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(sa.text("select uri, sha256, outcome from received_files order by file_id")).all()


def test_a_poll_of_an_unchanged_inbox_reads_no_file(engine, inbox, tmp_path, reads, monkeypatch) -> None:
    monkeypatch.setenv("SCORECARD_MAX_FILE_MB", "0.001")  # 1,048 bytes: big.csv is hashed, not parsed
    (inbox / "big.csv").write_bytes(b"unit_code,period\n" + b"C03,2026-04\n" * 200)
    first = poll(engine, str(inbox), tmp_path / "q")
    assert first == [str(inbox / "targets" / "2027.csv"), str(inbox / "a.csv"), str(inbox / "big.csv"),
                     str(inbox / "sub" / "b.csv")]
    with engine.connect() as conn:
        versions = conn.execute(sa.text("select count(*) from received_files "
                                        "where modified_at is not null and etag is not null")).scalar_one()
    assert versions == 4
    reads.clear()

    assert poll(engine, str(inbox), tmp_path / "q") == []
    assert poll(engine, f"file://{inbox}/", tmp_path / "q") == []  # the same folder, spelt otherwise
    assert reads == []


def test_a_file_whose_bytes_change_is_taken_again(engine, catalog, inbox, tmp_path, reads) -> None:
    poll(engine, str(inbox), tmp_path / "q")
    write_csv(inbox / "a.csv", [("C01", "2026-04", complete_rows(catalog, "C01", 4, 1.5))])
    reads.clear()

    assert poll(engine, str(inbox), tmp_path / "q") == [str(inbox / "a.csv")]
    assert set(reads) == {str(inbox / "a.csv")}
    assert [outcome for uri, _, outcome in received(engine) if uri.endswith("a.csv")] == ["accepted"] * 2
    reads.clear()
    assert poll(engine, str(inbox), tmp_path / "q") == []
    assert reads == []


@pytest.mark.parametrize("name", ["a.csv", "targets/2027.csv"])
@pytest.mark.parametrize("change", ["touched", "copied again"])
def test_a_file_touched_or_copied_again_is_read_once_and_not_taken(engine, inbox, tmp_path, reads, name,
                                                                    change) -> None:
    poll(engine, str(inbox), tmp_path / "q")
    before = received(engine)
    path = inbox / name
    if change == "touched":
        later = path.stat().st_mtime_ns + 60 * 10**9
        os.utime(path, ns=(later, later))
    else:
        path.write_bytes(path.read_bytes())
    reads.clear()

    assert poll(engine, str(inbox), tmp_path / "q") == []
    assert reads == [str(path)]
    assert received(engine) == before
    reads.clear()
    assert poll(engine, str(inbox), tmp_path / "q") == []
    assert reads == []


def test_other_bytes_at_the_same_size_and_modification_time_are_seen_on_a_local_disk(engine, inbox,
                                                                                      tmp_path) -> None:
    """The version of a local file holds its change time, which the write moved and no program sets back."""
    poll(engine, str(inbox), tmp_path / "q")
    path = inbox / "a.csv"
    [before] = [f for f in sources.listed_submission_files(str(inbox)) if f.uri == str(path)]
    status = path.stat()
    path.write_bytes(path.read_bytes().replace(b"C01", b"C03"))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    [after] = [f for f in sources.listed_submission_files(str(inbox)) if f.uri == str(path)]
    assert (after.size, after.modified_at) == (before.size, before.modified_at)

    assert poll(engine, str(inbox), tmp_path / "q") == [str(path)]


def test_files_received_before_versions_were_recorded_are_read_once(engine, inbox, tmp_path, reads) -> None:
    poll(engine, str(inbox), tmp_path / "q")
    with engine.begin() as conn:  # as migration 0007 leaves the files received before it
        conn.execute(sa.text("update received_files set modified_at = null, etag = null"))
    reads.clear()

    assert poll(engine, str(inbox), tmp_path / "q") == []
    assert sorted(reads) == sorted(uri for uri, _, _ in received(engine))
    reads.clear()
    assert poll(engine, str(inbox), tmp_path / "q") == []
    assert reads == []


def test_a_file_read_just_after_it_changed_is_read_again_once_it_settled(engine, inbox, tmp_path, reads,
                                                                          monkeypatch) -> None:
    monkeypatch.setattr(sources, "SETTLE_SECONDS", 3600)
    poll(engine, str(inbox), tmp_path / "q")
    reads.clear()

    assert poll(engine, str(inbox), tmp_path / "q") == []
    assert sorted(reads) == sorted(uri for uri, _, _ in received(engine))
    with engine.connect() as conn:
        versions = conn.execute(sa.text("select count(*) from received_files where etag is not null"))
        assert versions.scalar_one() == 0
    monkeypatch.setattr(sources, "SETTLE_SECONDS", 0)  # as if an hour went by
    assert poll(engine, str(inbox), tmp_path / "q") == []
    reads.clear()
    assert poll(engine, str(inbox), tmp_path / "q") == []
    assert reads == []


def test_two_pollers_recording_touched_files_at_once(engine, inbox, tmp_path, reads) -> None:
    poll(engine, str(inbox), tmp_path / "q")
    before = received(engine)
    for path in inbox.rglob("*.csv"):
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))

    with ThreadPoolExecutor(2) as pool:
        polls = [pool.submit(poll, engine, str(inbox), tmp_path / "q") for _ in range(2)]
        assert [p.result() for p in polls] == [[], []]

    assert received(engine) == before
    reads.clear()
    assert poll(engine, str(inbox), tmp_path / "q") == []
    assert reads == []


def test_object_storage_is_listed_once_and_read_only_where_changed(engine, catalog, memory_storage,
                                                                   tmp_path, reads) -> None:
    root = f"memory://polling-{uuid.uuid4().hex[:8]}/inbox"
    uri = {name: sources.join(root, *name.split("/")) for name in ("a.csv", "b.csv", "sub/c.csv")}
    for location, unit in zip(uri.values(), ("C01", "C02", "C03"), strict=True):
        local = write_csv(tmp_path / f"{unit}.csv", [(unit, "2026-05", complete_rows(catalog, unit, 5))])
        sources.write_bytes(location, local.read_bytes())
    sources.write_bytes(sources.join(root, "sub", "~$c.csv"), b"an editor's lock file")
    targets = sources.write_bytes(sources.join(root, "targets", "2027.csv"), TARGETS)
    listed = sources.listed_submission_files(root)
    assert [f.uri for f in listed] == list(uri.values())
    assert all(f.modified_at and f.version == sources.read(f.uri).version for f in listed)

    assert poll(engine, root, tmp_path / "q") == [targets, *uri.values()]
    reads.clear()
    assert poll(engine, root, tmp_path / "q") == []
    assert reads == []

    sources.write_bytes(uri["b.csv"], sources.read(uri["b.csv"]).data.replace(b"2026-05", b"2026-04"))
    sources.write_bytes(uri["sub/c.csv"], sources.read(uri["sub/c.csv"]).data)  # copied again
    reads.clear()
    assert poll(engine, root, tmp_path / "q") == [uri["b.csv"]]
    assert reads.count(uri["sub/c.csv"]) == 1
    reads.clear()
    assert poll(engine, root, tmp_path / "q") == []
    assert reads == []


def test_migration_0007_adds_the_version_columns_keeping_rows(db_url: str) -> None:
    eng = warehouse.engine(db_url)
    warehouse.migrate(eng, "0006")
    with eng.begin() as conn:
        conn.execute(sa.text("insert into received_files (uri, sha256, size_bytes, received_at, outcome) "
                             "values ('inbox/a.csv', 'ab', 3, '2026-11-01 09:00:00', 'accepted')"))

    warehouse.migrate(eng)
    with eng.connect() as conn:
        row = conn.execute(sa.text("select uri, modified_at, etag from received_files")).one()
    assert tuple(row) == ("inbox/a.csv", None, None)

    config = Config()
    config.set_main_option("script_location", str(warehouse.MIGRATIONS_DIR))
    with eng.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0006")
    columns = {c["name"] for c in sa.inspect(eng).get_columns("received_files")}
    assert {"modified_at", "etag"}.isdisjoint(columns)
    with eng.connect() as conn:
        assert conn.execute(sa.text("select uri from received_files")).scalars().all() == ["inbox/a.csv"]
