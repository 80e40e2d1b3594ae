"""Preparing a batch: what it keeps of each file, and its trip through the warehouse between tasks."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import msgspec
import pytest
from support import TODAY
from support.submission_files import complete_rows, write_csv, write_workbook

from scorecard import preparing


@pytest.fixture
def files(tmp_path: Path, catalog) -> list[str]:
    accepted = write_workbook(tmp_path / "c01.xlsx", "C01", "2026-09", complete_rows(catalog, "C01", 9),
                              submitted_at=datetime(2026, 10, 2, 9, 30))
    bad = complete_rows(catalog, "C02", 9)
    bad[0]["value"] = -5
    bad[1]["value"] = "about ten"
    rejected = write_workbook(tmp_path / "c02.xlsx", "C02", "2026-09", bad)
    parks = write_csv(tmp_path / "parks.csv", [("P01", "2026-09", complete_rows(catalog, "P01", 9))])
    copy = shutil.copy(accepted, tmp_path / "c01-copy.xlsx")
    return [str(p) for p in (accepted, rejected, parks, copy)]


def test_a_batch_parses_each_content_once_and_checks_it_with_the_suites(files, catalog) -> None:
    plan = preparing.prepare(files, catalog, TODAY)

    assert [(Path(f.uri).name, None if subs is None else [str(s.status) for s in subs])
            for f, subs in plan] == [("c01.xlsx", ["accepted"]), ("c02.xlsx", ["rejected"]),
                                     ("parks.csv", ["accepted"]), ("c01-copy.xlsx", None)]
    assert plan[3][0].sha256 == plan[0][0].sha256
    assert {p.rule for p in plan[1][1][0].errors} == {"negative_value", "not_a_number"}


def test_a_prepared_batch_comes_back_from_its_bytes_whole(files, catalog) -> None:
    plan = preparing.prepare(files, catalog, TODAY)

    assert preparing.decode(preparing.encode(plan)) == plan


def test_bytes_that_are_not_a_prepared_batch_are_refused_not_trusted(files, catalog) -> None:
    payload = msgspec.msgpack.encode([{"file": {"uri": "x"}, "submissions": "rm -rf /"}])

    with pytest.raises(msgspec.ValidationError):
        preparing.decode(payload)
