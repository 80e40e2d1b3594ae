"""A whole inbox of hostile files through ``scorecard ingest`` (in this process, through Typer's
``CliRunner``): a verdict for each, nothing else touched.

Its wall time and peak memory are measured by ``bench/hostile.py``, not asserted here.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from support.hostile_inbox import write_hostile_inbox
from typer.testing import CliRunner

from scorecard.cli import app


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def formula_parts(workbook: Path) -> list[str]:
    """The worksheet parts of ``workbook`` that hold a formula (an ``<f>`` element)."""
    with zipfile.ZipFile(workbook) as archive:
        return [name for name in archive.namelist()
                if name.startswith("xl/worksheets/") and name.endswith(".xml")
                and (b"<f>" in archive.read(name) or b"<f " in archive.read(name))]


def test_each_hostile_file_gets_its_verdict_and_nothing_else_is_touched(
        catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, data, cwd = tmp_path / "inbox", tmp_path / "data", tmp_path / "cwd"
    expected = write_hostile_inbox(inbox, catalog)
    cwd.mkdir()
    before = files_under(tmp_path)
    env = {"SCORECARD_DATA_DIR": str(data), "SCORECARD_DB_URL": f"sqlite:///{data / 'w.db'}"}
    monkeypatch.chdir(cwd)

    done = CliRunner(env=env).invoke(app, ["ingest", str(inbox), "--json"], catch_exceptions=False)

    assert done.exit_code == 0, done.stderr[-3000:]
    verdicts: dict[str, list[dict]] = {}
    for entry in json.loads(done.stdout)["submissions"]:
        verdicts.setdefault(Path(entry["file"]).name, []).append(entry)
    assert verdicts.keys() == expected.keys()
    for name, verdict in expected.items():
        [entry] = verdicts[name]
        found = entry["status"] if verdict == "accepted" else entry["errors"][0]["rule"]
        assert found == verdict, (name, entry["errors"][:3])
    added = files_under(tmp_path) - before
    assert all(path.startswith("data") for path in added), sorted(added)
    assert not any(Path(path).name == "pwned" for path in added), "a file name was run as a command"
    feedback = list((data / "quarantine").glob("*/feedback/*.xlsx"))  # the originals are kept as sent
    assert feedback and all(formula_parts(book) == [] for book in feedback)
