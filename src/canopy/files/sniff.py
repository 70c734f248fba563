"""What a file is, judged from its bytes (magic numbers), never from its name or from the
Content-Type a server claims.

The signatures are written out here rather than taken from a library: ``filetype`` 1.2.0 (last
released 2022, untyped) rejects Word files whose first sector is not the WordDocument stream and
checks only 3 bytes of a GIF and 4 of a PNG; ``puremagic`` 1.30 calls the text ``\\x89PNG`` a PNG,
any ``RIFF`` file a WebP, JPEG 2000 a JPEG and a bare ``PK\\3\\4`` a DOCX. An allow-list decision
needs anchored, complete signatures, and twenty of them fit on a page.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import struct
import zipfile
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO

PDF = "application/pdf"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
PPT = "application/vnd.ms-powerpoint"
# An OLE2 compound file holding none of the Office streams (an Outlook message, an installer…).
OLE = "application/x-ole-storage"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
ODG = "application/vnd.oasis.opendocument.graphics"
EPUB = "application/epub+zip"
ZIP = "application/zip"
GZIP = "application/gzip"
SEVEN_ZIP = "application/x-7z-compressed"
RAR = "application/vnd.rar"
RTF = "application/rtf"
TXT = "text/plain"
CSV = "text/csv"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
TIFF = "image/tiff"
# Markup a browser would run script from: stored and served (as a download) like any other
# document, never on the resume, portfolio or avatar lists.
HTML = "text/html"
XML = "text/xml"
SVG = "image/svg+xml"
# What a file of no recognised type is stored as.
OCTET_STREAM = "application/octet-stream"

# Documents and email attachments take any type (the public docs set no limit): None as an
# allow-list means "anything", an unrecognised file being stored as OCTET_STREAM.
ANY_TYPE: None = None
DOCUMENT_TYPES: None = ANY_TYPE
# The allow-lists of the contract (§15.8).
RESUME_TYPES: frozenset[str] = frozenset({PDF, DOC, DOCX, ODT})
PORTFOLIO_TYPES: frozenset[str] = frozenset({PDF})
IMAGE_TYPES: frozenset[str] = frozenset({PNG, JPEG, GIF, WEBP})
# What a browser may show from Canopy's origin rather than save: nothing that can carry script
# (SVG can, so it is not here though it is an image).
INLINE_TYPES: frozenset[str] = frozenset({PDF, PNG, JPEG, GIF, WEBP})

EXTENSIONS: Mapping[str, str] = MappingProxyType(
    {
        PDF: ".pdf",
        DOC: ".doc",
        XLS: ".xls",
        PPT: ".ppt",
        DOCX: ".docx",
        XLSX: ".xlsx",
        PPTX: ".pptx",
        ODT: ".odt",
        ODS: ".ods",
        ODP: ".odp",
        ODG: ".odg",
        EPUB: ".epub",
        ZIP: ".zip",
        GZIP: ".gz",
        SEVEN_ZIP: ".7z",
        RAR: ".rar",
        RTF: ".rtf",
        TXT: ".txt",
        CSV: ".csv",
        PNG: ".png",
        JPEG: ".jpg",
        GIF: ".gif",
        WEBP: ".webp",
        TIFF: ".tif",
        HTML: ".html",
        XML: ".xml",
        SVG: ".svg",
    }
)

HEAD_SIZE = 8192

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", PDF),
    (b"{\\rtf", RTF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"\x1f\x8b\x08", GZIP),
    (b"7z\xbc\xaf\x27\x1c", SEVEN_ZIP),
    (b"Rar!\x1a\x07\x00", RAR),
    (b"Rar!\x1a\x07\x01\x00", RAR),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    # An empty archive is only its end record.
    (b"PK\x05\x06", ZIP),
)
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_WEBP_CHUNKS = (b"VP8 ", b"VP8L", b"VP8X")
# The OOXML packages, told apart by their main part's conventional name.
_OOXML_PARTS: tuple[tuple[str, str], ...] = (
    ("word/document.xml", DOCX),
    ("xl/workbook.xml", XLSX),
    ("ppt/presentation.xml", PPTX),
)
# The types an ODF (or EPUB) package may name in its leading "mimetype" entry.
_PACKAGE_TYPES: Mapping[bytes, str] = MappingProxyType(
    {kind.encode("ascii"): kind for kind in (ODT, ODS, ODP, ODG, EPUB)}
)
_MAX_MIMETYPE = max(len(name) for name in _PACKAGE_TYPES)

# A word processing archive has tens of entries. zipfile parses the whole central directory
# into ZipInfo objects, so its size is checked first: a 20 MB archive of empty entries would
# otherwise cost over a hundred MB of memory just to be looked at.
MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_DIRECTORY = 1024 * 1024
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_LOCATOR_SIZE = 20
_EOCD_SIZE = 22
# The record, the longest archive comment, and room for a ZIP64 locator just before the record.
_EOCD_SEARCH = _ZIP64_LOCATOR_SIZE + _EOCD_SIZE + 0xFFFF

# The compound file's header, directory entries and the bounds of a walk over them.
_OLE_HEADER = 512
_OLE_ENTRY = 128
_OLE_ROOT = 5
_OLE_MAX_SECTOR = 0xFFFFFFF9  # beyond: the FAT's markers (free, end of chain…)
_OLE_MAX_DIRECTORY_SECTORS = 64

# The bytes WHATWG MIME sniffing treats as binary: text holding any of them is not text.
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
# Text that a browser would sniff as markup (WHATWG "HTML" patterns, plus XML and SVG): stored
# as text/plain it would be one missing nosniff header away from running script.
_MARKUP = re.compile(
    rb"\A(?:\xef\xbb\xbf)?[\t\n\x0c\r ]*<(?:"
    rb"(?P<html>!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p"
    rb")(?:[ >])|(?P<comment>!--)|(?P<xml>\?xml)|(?P<svg>svg)(?:[\t\n\x0c\r />]))",
    re.IGNORECASE,
)
_SVG_ROOT = re.compile(rb"<svg[\t\n\x0c\r />]", re.IGNORECASE)
# Comma, and semicolon where the comma is the decimal mark; a tab or a pipe is as likely to be
# a plain text's table.
_CSV_DELIMITERS = (",", ";")
_CSV_ROWS = 50


def sniff(source: Path | bytes) -> str | None:
    """The MIME type of a file (a path) or of its first bytes, or None if not recognised."""
    if isinstance(source, bytes):
        return _sniff(io.BytesIO(source), len(source))
    with source.open("rb") as fh:
        size = fh.seek(0, io.SEEK_END)
        fh.seek(0)
        return _sniff(fh, size)


def _sniff(fh: BinaryIO, size: int) -> str | None:
    head = fh.read(HEAD_SIZE)
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP" and head[12:16] in _WEBP_CHUNKS:
        return WEBP
    if head.startswith(_OLE_SIGNATURE):
        return _ole_kind(fh, size)
    if head.startswith(_ZIP_LOCAL_HEADER):
        return _zip_kind(fh, size)
    return _text_kind(head, complete=size <= HEAD_SIZE)


def _zip_kind(fh: BinaryIO, size: int) -> str:
    """Which package a zip archive is (OOXML, ODF, EPUB), from its directory alone: nothing is
    decompressed. An archive that is none of them, or too big a directory to look at, is a
    plain zip."""
    if not _small_zip_directory(fh, size):
        return ZIP
    fh.seek(0)
    try:
        with zipfile.ZipFile(fh) as archive:
            infos = archive.infolist()
            first = min(infos, key=lambda info: info.header_offset, default=None)
            # ODF and EPUB: the first entry, stored uncompressed, is "mimetype" naming the
            # format.
            if (
                first is not None
                and first.header_offset == 0
                and first.filename == "mimetype"
                and first.compress_type == zipfile.ZIP_STORED
                and 0 < first.file_size <= _MAX_MIMETYPE
            ):
                kind = _PACKAGE_TYPES.get(archive.read(first))
                if kind is not None:
                    return kind
            names = {info.filename for info in infos}
            if "[Content_Types].xml" in names:
                for part, kind in _OOXML_PARTS:
                    if part in names:
                        return kind
    except Exception:  # zipfile raises a zoo of types on hostile input; any means "just a zip"
        return ZIP
    return ZIP


def _small_zip_directory(fh: BinaryIO, size: int) -> bool:
    """Whether the end-of-central-directory record announces a directory worth parsing."""
    tail_size = min(size, _EOCD_SEARCH)
    fh.seek(size - tail_size)
    tail = fh.read(tail_size)
    # zipfile takes the last record found in the same window, so both look at the same one.
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < _EOCD_SIZE:
        return False
    locator = tail[max(at - _ZIP64_LOCATOR_SIZE, 0) : at]
    if locator.startswith(_ZIP64_LOCATOR):
        return False  # ZIP64 carries its own counts; no word processor writes it for a document
    *_, entries, directory_size, _offset, _comment = struct.unpack(
        "<4s4H2LH", tail[at : at + _EOCD_SIZE]
    )
    return bool(entries <= MAX_ZIP_ENTRIES and directory_size <= MAX_ZIP_DIRECTORY)


def _ole_kind(fh: BinaryIO, size: int) -> str:
    """Word, Excel or PowerPoint 97-2003, from the names of the streams at the root of the
    compound file (MS-CFB). Excel and PowerPoint share Word's container, and a Word file that
    embeds a spreadsheet holds a "Workbook" stream too, but deeper: only the root's own
    children decide. A directory that cannot be read is taken for Word, as any such file was
    before the others were told apart."""
    try:
        names = _ole_root_names(fh, size)
    except (OSError, ValueError, struct.error):
        return DOC
    if names is None:
        return DOC
    if "WordDocument" in names:
        return DOC
    if "Workbook" in names or "Book" in names:
        return XLS
    if "PowerPoint Document" in names:
        return PPT
    return OLE


def _ole_root_names(fh: BinaryIO, size: int) -> set[str] | None:
    fh.seek(0)
    header = fh.read(_OLE_HEADER)
    if len(header) < _OLE_HEADER:
        return None
    shift = struct.unpack_from("<H", header, 30)[0]
    if shift not in (9, 12):
        return None
    sector_size = 1 << shift
    first_directory = struct.unpack_from("<L", header, 48)[0]
    fat_sectors = struct.unpack_from("<109L", header, 76)
    per_sector = sector_size // 4

    def read_sector(number: int) -> bytes:
        offset = (number + 1) * sector_size
        if number > _OLE_MAX_SECTOR or offset + sector_size > size:
            raise ValueError("sector out of the file")
        fh.seek(offset)
        return fh.read(sector_size)

    def next_sector(number: int) -> int:
        fat_index = number // per_sector
        if fat_index >= len(fat_sectors):
            raise ValueError("FAT beyond the header's list")
        return int(
            struct.unpack_from(
                "<L", read_sector(fat_sectors[fat_index]), 4 * (number % per_sector)
            )[0]
        )

    # The directory's first sectors only: Office writes the root's children first, and the
    # walk below skips any entry past what was read.
    directory = bytearray()
    sector, seen = first_directory, set[int]()
    while (
        sector <= _OLE_MAX_SECTOR and sector not in seen and len(seen) < _OLE_MAX_DIRECTORY_SECTORS
    ):
        seen.add(sector)
        directory += read_sector(sector)
        sector = next_sector(sector)

    def entry(number: int) -> tuple[str, int, int, int, int]:
        offset = number * _OLE_ENTRY
        if offset + _OLE_ENTRY > len(directory):
            raise ValueError("entry beyond the directory read")
        raw = bytes(directory[offset : offset + _OLE_ENTRY])
        length = struct.unpack_from("<H", raw, 64)[0]
        name = raw[: max(min(length, 64) - 2, 0)].decode("utf-16-le", "replace")
        kind = raw[66]
        left, right, child = struct.unpack_from("<3L", raw, 68)
        return name, kind, left, right, child

    _, root_kind, _, _, child = entry(0)
    if root_kind != _OLE_ROOT:
        return None
    # The root's children form a red-black tree of siblings; walked without recursion, each
    # entry once.
    names: set[str] = set()
    pending, visited = [child], set()
    while pending:
        number = pending.pop()
        if number in visited or (number + 1) * _OLE_ENTRY > len(directory):
            continue  # "no sibling" is 0xFFFFFFFF: past any directory
        visited.add(number)
        name, _kind, left, right, _child = entry(number)
        names.add(name)
        pending += [left, right]
    return names


def _text_kind(head: bytes, *, complete: bool) -> str | None:
    """Plain text (UTF-8, no binary bytes), CSV, or the markup type a browser would sniff."""
    if not head or _BINARY_BYTES.search(head):
        return None
    try:
        # The head may end inside a multi-byte character when the file goes on.
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        return None
    markup = _MARKUP.match(head)
    if markup is None:
        return CSV if _is_csv(text, complete=complete) else TXT
    # An SVG picture often opens with an XML declaration or a comment.
    if (markup["xml"] or markup["comment"]) and _SVG_ROOT.search(head):
        return SVG
    if markup["xml"]:
        return XML
    if markup["svg"]:
        return SVG
    return HTML


def _is_csv(text: str, *, complete: bool) -> bool:
    """Rows of one delimiter-separated shape: at least two lines, each split into the same
    number (two or more) of fields by the same delimiter, quotes honoured."""
    lines = text.lstrip("\ufeff").splitlines()
    if not complete:
        lines = lines[:-1]  # the head may end mid-row
    while lines and not lines[-1].strip():
        lines.pop()
    lines = lines[:_CSV_ROWS]
    if len(lines) < 2:
        return False
    for delimiter in _CSV_DELIMITERS:
        if delimiter not in lines[0]:
            continue
        try:
            widths = {len(row) for row in csv.reader(lines, delimiter=delimiter, strict=True)}
        except csv.Error:
            continue
        if len(widths) == 1 and widths.pop() >= 2:
            return True
    return False
