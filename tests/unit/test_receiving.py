"""What the inbox listing skips, how a file is read, and how a rejected file's name is stored."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from scorecard import quarantine, sources

LONG_CHINESE = "关于二〇二六年十月份科技创新指标完成情况的报送材料" * 4 + ".xlsx"  # 250 bytes and more


@pytest.mark.parametrize(("name", "junk"), [
    ("~$C01_2026-10.xlsx", True),        # Excel's lock file beside an open workbook
    (".~lock.C01_2026-10.xlsx#", True),  # LibreOffice's
    ("._C01_2026-10.xlsx", True),        # macOS resource fork
    (".DS_Store", True),
    ("Thumbs.db", True),
    ("desktop.ini", True),
    (".C01_2026-10.xlsx", False),        # a hidden file is still a file someone sent
    (".hidden", False),
    ("C01_2026-10.xlsx", False),
    ("2026-10_C01.csv", False),
])
def test_only_system_and_editor_leftovers_are_junk(name: str, junk: bool, tmp_path: Path) -> None:
    assert sources.is_junk(name) is junk
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / name).write_bytes(b"x")
    listed = [f.uri for f in sources.listed_submission_files(str(tmp_path))]
    assert listed == ([] if junk else [str(tmp_path / "sub" / name)])


def test_a_file_over_the_limit_is_hashed_not_held(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(b"a" * 5000)

    read = sources.read(str(big), limit=4096)

    assert read is not None and (read.data, read.error, read.size) == (b"", "too_large", 5000)
    assert read.sha256 == hashlib.sha256(b"a" * 5000).hexdigest()


def test_a_vanished_file_reads_as_none_and_a_folder_as_a_refusal(tmp_path: Path) -> None:
    assert sources.read(str(tmp_path / "gone.xlsx")) is None
    refused = sources.read(str(tmp_path))
    assert refused is not None and refused.error and refused.data == b""


@pytest.mark.parametrize(("name", "stored"), [
    ("C01_2026-10.xlsx", "C01_2026-10.xlsx"),
    ("../../etc/passwd", "_.._etc_passwd"),
    ("..", "file"),
    ("$(rm -rf ~).csv", "$(rm -rf ~).csv"),
    ("a\x00b\nc.csv", "a_b_c.csv"),
    ("report.json", "report.json"),
    ("no extension", "no extension"),
])
def test_stored_names_are_one_safe_file_name(name: str, stored: str) -> None:
    assert quarantine.safe_name(name) == stored


def test_long_names_are_cut_to_fit_with_their_extension() -> None:
    stored = quarantine.safe_name(LONG_CHINESE)
    assert len(LONG_CHINESE.encode()) > 250
    assert stored.endswith(".xlsx") and len(stored.encode()) <= quarantine.NAME_BYTES
    feedback = stored.removesuffix(".xlsx") + quarantine.FEEDBACK_SUFFIX
    assert len(feedback.encode()) <= 255
    stored.encode().decode("utf-8")  # cut on a character boundary


def test_a_rejected_file_named_like_the_report_keeps_both(tmp_path: Path) -> None:
    root = tmp_path / "q"
    kept = quarantine.stage(str(root), "report.json", b'{"evil": true}', "ab" * 32, [])
    quarantine.promote(str(root), ["ab" * 32])

    assert Path(kept.stored_path).read_bytes() == b'{"evil": true}'
    assert Path(kept.report_path).read_text(encoding="utf-8").startswith("{")
    assert kept.stored_path != kept.report_path
    assert not (root / quarantine.STAGING / ("ab" * 32)).exists()


def test_quarantine_staged_then_promoted_on_object_storage(memory_storage) -> None:
    root = "memory://quarantine-test/q"
    kept = quarantine.stage(root, "C01 十月.csv", b"unit_code\n", "cd" * 32, [])
    assert not sources.open_location(kept.stored_path).exists()

    quarantine.promote(root, ["cd" * 32])

    assert sources.read(kept.stored_path).data == b"unit_code\n"
    assert sources.subfolders(sources.join(root, quarantine.STAGING)) == []


@pytest.mark.parametrize(("error", "reason"), [
    ("too_large", "the file is larger than the 20 MB limit"),
    ("Permission denied", "the system refused to read the file (Permission denied)"),
])
def test_a_file_not_read_gets_an_unreadable_verdict(error: str, reason: str) -> None:
    from scorecard import parsing

    [sub] = parsing.refused("inbox/C01.xlsx", error)
    assert [(str(p.rule), p.message_en) for p in sub.problems] == [
        ("unreadable_file", f"cannot read the file: {reason}")]
    assert sub.form == "xlsx"
