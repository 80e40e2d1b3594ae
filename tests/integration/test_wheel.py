"""The wheel runs on its own: built from the checkout and installed into an empty venv, its ``scorecard``
creates a warehouse and ingests a workbook with the migrations, queries, suites and catalogs it carries.

Installing every dependency into a new venv takes a minute, so the test venv borrows this venv's
site-packages through a ``.pth`` line: a folder that a ``.pth`` file names is put on ``sys.path``, but the
``.pth`` files inside it (the editable install of this checkout among them) are not processed, so the only
``scorecard`` the test venv can import is the wheel's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from support import REPO
from support.submission_files import complete_rows, write_workbook

pytestmark = pytest.mark.integration


def _run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def _site_packages(venv_dir: Path) -> Path:
    return Path(sysconfig.get_path("purelib", vars={"base": str(venv_dir), "platbase": str(venv_dir)}))


def _venv_with_wheel(folder: Path, wheel: Path) -> Path:
    """A venv with the wheel alone installed, then this venv's site-packages on its path; its python."""
    venv.create(folder, symlinks=True, with_pip=False)
    python = folder / "bin" / "python"
    # Installed before the .pth is written, so that pip cannot see the checkout's sti-scorecard.
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index",
         wheel)
    borrowed = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (_site_packages(folder) / "borrowed.pth").write_text("".join(f"{path}\n" for path in borrowed))
    return python


def test_the_installed_wheel_initialises_a_warehouse_and_ingests_on_its_own(catalog, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--wheel-dir", dist, REPO)
    (wheel,) = dist.glob("sti_scorecard-*.whl")
    python = _venv_with_wheel(tmp_path / "venv", wheel)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_workbook(inbox / "c01.xlsx", "C01", "2026-03", complete_rows(catalog, "C01", 3))
    work = tmp_path / "work"
    work.mkdir()
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("SCORECARD_", "PYTHON", "VIRTUAL_ENV"))}
    environment["SCORECARD_DATA_DIR"] = str(tmp_path / "data")

    where = json.loads(_run(python, "-c", "import json, scorecard; from scorecard import config; "
                            "print(json.dumps([scorecard.__file__, str(config.sql_dir()), "
                            "str(config.expectations_dir()), config.from_checkout()]))",
                            cwd=work, env=environment).stdout)
    init = _run(python.with_name("scorecard"), "init-db", "--json", cwd=work, env=environment)
    ingest = _run(python.with_name("scorecard"), "ingest", inbox, "--json", cwd=work, env=environment)

    package = _site_packages(tmp_path / "venv") / "scorecard"
    assert where == [str(package / "__init__.py"), str(package / "sql"), str(package / "expectations"), False]
    assert json.loads(init.stdout) == {"database": f"sqlite:///{tmp_path / 'data' / 'warehouse.db'}",
                                       "units": len(catalog.units), "indicators": len(catalog.indicators)}
    entries = json.loads(ingest.stdout)["submissions"]
    assert [(e["file"], e["status"], e["unit_code"], e["period"]) for e in entries] == [
        (str(inbox / "c01.xlsx"), "accepted", "C01", "2026-03")]
    assert (tmp_path / "data" / "warehouse.db").is_file()
    assert not any(work.iterdir())
