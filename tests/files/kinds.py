"""Small real files of the types beyond the resume and image lists (spreadsheets, slides,
archives, CSV, markup, legacy Office, bytes of no known type), built here so that no binary
lives in the repository, and the type each must be stored as."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from collections.abc import Callable, Sequence

from canopy.files import sniff as types
from tests.fixtures import remote as samples


def _zip(entries: Sequence[tuple[str, str | bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return out.getvalue()


def xlsx() -> bytes:
    """A SpreadsheetML package: what Excel writes, down to the part names."""
    return _zip(
        [
            ("[Content_Types].xml", '<?xml version="1.0"?><Types/>'),
            ("_rels/.rels", '<?xml version="1.0"?><Relationships/>'),
            ("xl/workbook.xml", '<?xml version="1.0"?><workbook/>'),
            ("xl/worksheets/sheet1.xml", '<?xml version="1.0"?><worksheet/>'),
        ]
    )


def pptx() -> bytes:
    return _zip(
        [
            ("[Content_Types].xml", '<?xml version="1.0"?><Types/>'),
            ("_rels/.rels", '<?xml version="1.0"?><Relationships/>'),
            ("ppt/presentation.xml", '<?xml version="1.0"?><p:presentation/>'),
        ]
    )


def ods() -> bytes:
    return samples.odt(mimetype=types.ODS)


def odp() -> bytes:
    return samples.odt(mimetype=types.ODP)


def zip_archive() -> bytes:
    return _zip([("notes.txt", "Canopy"), ("data/scores.json", '{"a": 1}')])


def csv_text() -> bytes:
    return b'name,email,score\r\nAda,ada@example.com,10\r\n"Doe, Jo",jo@example.com,7\r\n'


def html_page() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def svg_picture() -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script>'
        b"</svg>"
    )


def random_bytes() -> bytes:
    """Bytes no signature matches: a zero byte early makes them binary, never text."""
    return b"\x00\x9c" + os.urandom(2046)


def ole(*stream_names: str, nested: Sequence[str] = ()) -> bytes:
    """An OLE2 compound file (MS-CFB version 3) whose root holds `stream_names` and one
    storage holding `nested` (as a Word file embedding a spreadsheet does)."""
    sector = 512
    end_of_chain, fat_marker, free, no_stream = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF, 0xFFFFFFFF

    def entry(name: str, kind: int, left: int, right: int, child: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB3L", len(encoded), kind, 1, left, right, child)
            + b"\0" * 16  # class id
            + b"\0" * 4  # state bits
            + b"\0" * 16  # times
            + struct.pack("<LQ", end_of_chain, 0)  # starting sector, size (empty stream)
        )

    # Root (0); its children chained through their right siblings (1..n); then, when asked,
    # a storage (n+1) whose own children follow (n+2..).
    root_children = [*stream_names, *(["ObjectPool"] if nested else [])]
    entries: list[bytes] = [entry("Root Entry", 5, no_stream, no_stream, 1)]
    for index, name in enumerate(root_children, start=1):
        is_storage = bool(nested) and name == "ObjectPool"
        right = index + 1 if index < len(root_children) else no_stream
        child = len(root_children) + 1 if is_storage else no_stream
        entries.append(entry(name, 1 if is_storage else 2, no_stream, right, child))
    first_nested = len(entries)
    for offset, name in enumerate(nested):
        number = first_nested + offset
        right = number + 1 if offset + 1 < len(nested) else no_stream
        entries.append(entry(name, 2, no_stream, right, no_stream))
    directory = b"".join(entries)
    directory += b"\0" * (-len(directory) % sector)
    directory_sectors = len(directory) // sector
    # Sector 0: the FAT; sectors 1..: the directory, chained.
    fat = [fat_marker]
    fat += [2 + n if n + 1 < directory_sectors else end_of_chain for n in range(directory_sectors)]
    fat_bytes = struct.pack(f"<{len(fat)}L", *fat).ljust(sector, b"\xff")
    difat = [0] + [free] * 108
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<LLLLLLLLL", 0, 1, 1, 0, 0x1000, end_of_chain, 0, end_of_chain, 0)
        + struct.pack("<109L", *difat)
    )
    assert len(header) == sector
    return header + fat_bytes + directory


def xls() -> bytes:
    return ole("Workbook", "\x05SummaryInformation")


def ppt() -> bytes:
    return ole("Current User", "PowerPoint Document")


# name → (the bytes, the type Canopy must store them as, a file name a client would send)
KINDS: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "xlsx": (xlsx, types.XLSX, "scores.xlsx"),
    "pptx": (pptx, types.PPTX, "pitch.pptx"),
    "ods": (ods, types.ODS, "scores.ods"),
    "odp": (odp, types.ODP, "pitch.odp"),
    "xls": (xls, types.XLS, "scores.xls"),
    "ppt": (ppt, types.PPT, "pitch.ppt"),
    "zip": (zip_archive, types.ZIP, "bundle.zip"),
    "csv": (csv_text, types.CSV, "scores.csv"),
    "html": (html_page, types.HTML, "page.html"),
    "svg": (svg_picture, types.SVG, "drawing.svg"),
    "random": (random_bytes, types.OCTET_STREAM, "blob.bin"),
}
