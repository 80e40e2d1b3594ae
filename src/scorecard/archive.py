"""Safety checks of an .xlsx (zip) archive, made before anything else (python-calamine) inflates it.

A workbook is a zip of a few dozen XML parts. An archive with thousands of entries, one that declares or
hides a huge inflated size, or an XML part declaring a DTD (billion laughs, external entities) is refused
with the reason in Chinese and English, having inflated at most ``MAX_TOTAL_BYTES`` bytes, ``CHUNK`` at a
time. An archive that passes gives back its inflated parts, so that the parser need not inflate them again.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator

MAX_ENTRIES = 1_000
"""Most entries an archive may hold: a real workbook has 10-30 parts (sheets, styles, relations …)."""
MAX_TOTAL_BYTES = 100 * 1024 * 1024
"""Most bytes all parts may inflate to together: the XML of a 100,000-row sheet is 16-30 MB."""
MAX_RATIO = 200
"""Highest compression ratio of a part above ``RATIO_FLOOR``: workbook XML deflates 3-16×, a bomb ~1,000×."""
RATIO_FLOOR = 1024 * 1024
"""Inflated size from which ``MAX_RATIO`` applies: a smaller part cannot inflate to much at any ratio."""
CHUNK = 64 * 1024
"""Bytes read or inflated at a time: a part that inflates past its declared size is caught within one."""

_CENTRAL_ENTRY = b"PK\x01\x02"  # begins every central directory entry
_LOCAL_ENTRY = b"PK\x03\x04"  # begins every local header
_UNSUPPORTED_FLAGS = 0x01 | 0x20 | 0x40  # encrypted, patch data, strong encryption
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # the only compression methods Excel writes
_DECLARATIONS = tuple(word.encode(encoding) for word in ("<!doctype", "<!entity")
                      for encoding in ("ascii", "utf-16-le", "utf-16-be"))  # looked for in lower case
_OVERLAP = max(map(len, _DECLARATIONS)) - 1  # bytes kept from a chunk to find a declaration split off
_UTF8_NAME = 0x800  # the flag of a name written in UTF-8 rather than code page 437

Parts = list[tuple[str, bytes]]
"""An archive's entries in directory order, each as its name and inflated bytes (a name may recur)."""


class UnsafeArchive(ValueError):
    """An archive refused before inflating it; ``zh`` and ``en`` give the reason."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


def check_workbook_archive(data: bytes) -> Parts:
    """The parts of ``data``, a zip archive that is safe to inflate; else raise ``UnsafeArchive``, cheapest
    check first.

    Every part is inflated once, ``CHUNK`` at a time and never past its declared size, to check its CRC and
    that no XML part declares a DTD or entities. The parts returned hold at most ``MAX_TOTAL_BYTES``.
    """
    if data.count(_CENTRAL_ENTRY) > MAX_ENTRIES:  # counted before zipfile reads the whole directory
        raise UnsafeArchive(f"压缩包内有超过 {MAX_ENTRIES:,} 个部件，不是正常的 Excel 工作簿",
                            f"the archive holds more than {MAX_ENTRIES:,} parts, which no real workbook does")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, NotImplementedError, ValueError) as exc:  # ValueError: a name not in UTF-8
        raise UnsafeArchive("文件不是有效的 .xlsx 工作簿（无法作为 zip 压缩包打开）",
                            "the file is not a valid .xlsx workbook (it does not open as a zip archive)"
                            ) from exc
    if sum(info.file_size for info in entries) > MAX_TOTAL_BYTES:
        raise UnsafeArchive(f"工作簿解压后超过 {MAX_TOTAL_BYTES // 1048576} MB（疑似压缩炸弹）",
                            f"the workbook would inflate to more than {MAX_TOTAL_BYTES // 1048576} MB "
                            "(a zip bomb?)")
    for info in entries:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * info.compress_size:
            raise _refused(info, f"的压缩比超过 {MAX_RATIO} 倍（疑似压缩炸弹）",
                           f"is compressed more than {MAX_RATIO}-fold (a zip bomb?)")
    return [(info.filename, _check_part(data, info)) for info in entries]


def _refused(info: zipfile.ZipInfo, zh: str, en: str) -> UnsafeArchive:
    """The refusal of one part: ``zh`` and ``en`` follow its name."""
    return UnsafeArchive(f"部件 {info.filename[:100]} {zh}", f"the part {info.filename[:100]} {en}")


def _check_part(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """One part inflated chunk by chunk, refusing a DTD or entity declaration (also split between chunks)."""
    tail = b""
    chunks = []
    try:
        for chunk in _inflate(data, info):
            window = (tail + chunk).lower()
            if any(declaration in window for declaration in _DECLARATIONS):
                raise _refused(info, "含有 DTD 或实体声明（<!DOCTYPE、<!ENTITY），Excel 不会写出这种内容",
                               "declares a DTD or entities (<!DOCTYPE, <!ENTITY), which Excel never writes")
            tail = window[-_OVERLAP:]
            chunks.append(chunk)
    except zlib.error as exc:
        raise _refused(info, "已损坏", "is damaged") from exc
    return b"".join(chunks)


def _inflate(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes, ``CHUNK`` at a time, inflated from its stored data but never past its declared size.

    zipfile's own reader stops at the declared size, and so would not see a part that inflates further,
    which another reader (python-calamine) would inflate to its end.
    """
    if info.flag_bits & _UNSUPPORTED_FLAGS or info.compress_type not in _METHODS:
        raise _refused(info, "已加密或使用了 Excel 不用的压缩方式",
                       "is encrypted or compressed in a way Excel never uses")
    header = data[info.header_offset:info.header_offset + 30]
    if info.header_offset < 0 or len(header) < 30 or not header.startswith(_LOCAL_ENTRY):
        raise _refused(info, "已损坏", "is damaged")
    name_length, extra_length = int.from_bytes(header[26:28], "little"), int.from_bytes(header[28:], "little")
    if not _same_name(info, header, data[info.header_offset + 30:info.header_offset + 30 + name_length]):
        raise _refused(info, "已损坏", "is damaged")
    start = info.header_offset + 30 + name_length + extra_length
    stored = memoryview(data)[start:start + info.compress_size]
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type == zipfile.ZIP_DEFLATED else None
    size = crc = 0
    for at in range(0, len(stored), CHUNK):
        pending: bytes | memoryview = stored[at:at + CHUNK]
        while pending:
            chunk = inflater.decompress(pending, CHUNK) if inflater else bytes(pending)
            pending = inflater.unconsumed_tail if inflater else b""
            size += len(chunk)
            if size > info.file_size:
                raise _refused(info, "解压后超过其声明的大小（疑似压缩炸弹）",
                               "inflates beyond its declared size (a zip bomb?)")
            crc = zlib.crc32(chunk, crc)
            yield chunk
    if len(stored) < info.compress_size or size < info.file_size or crc != info.CRC:
        raise _refused(info, "已损坏", "is damaged")


def _same_name(info: zipfile.ZipInfo, header: bytes, name: bytes) -> bool:
    """Whether the local header names the part as the directory does: zipfile's reader refused one that did
    not, and a parser could take it for another part."""
    encoding = "utf-8" if int.from_bytes(header[6:8], "little") & _UTF8_NAME else "cp437"
    try:
        return name.decode(encoding) == info.orig_filename
    except UnicodeDecodeError:
        return False
