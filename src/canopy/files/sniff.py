"""What a file is, judged from its bytes (magic numbers), never from its name or from the
Content-Type a server claims.

The signatures are written out here rather than taken from a library: ``filetype`` 1.2.0 (last
released 2022, untyped) rejects Word files whose first sector is not the WordDocument stream and
checks only 3 bytes of a GIF and 4 of a PNG; ``puremagic`` 1.30 calls the text ``\\x89PNG`` a PNG,
any ``RIFF`` file a WebP, JPEG 2000 a JPEG and a bare ``PK\\3\\4`` a DOCX. An allow-list decision
needs anchored, complete signatures, and ten of them fit on a page.
"""

from __future__ import annotations

import codecs
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
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
RTF = "application/rtf"
TXT = "text/plain"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
# Named only so that a refusal can say what was found; never on an allow-list.
HTML = "text/html"
XML = "text/xml"
SVG = "image/svg+xml"

# The allow-lists of the contract (§15.8).
DOCUMENT_TYPES: frozenset[str] = frozenset({PDF, DOC, DOCX, ODT, RTF, TXT, PNG, JPEG, GIF, WEBP})
RESUME_TYPES: frozenset[str] = frozenset({PDF, DOC, DOCX, ODT})
PORTFOLIO_TYPES: frozenset[str] = frozenset({PDF})
IMAGE_TYPES: frozenset[str] = frozenset({PNG, JPEG, GIF, WEBP})

EXTENSIONS: Mapping[str, str] = MappingProxyType(
    {
        PDF: ".pdf",
        DOC: ".doc",
        DOCX: ".docx",
        ODT: ".odt",
        RTF: ".rtf",
        TXT: ".txt",
        PNG: ".png",
        JPEG: ".jpg",
        GIF: ".gif",
        WEBP: ".webp",
    }
)

HEAD_SIZE = 8192

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", PDF),
    # OLE2 compound file: Word 97-2003 (Excel and PowerPoint share the container).
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", DOC),
    (b"{\\rtf", RTF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
)
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_WEBP_CHUNKS = (b"VP8 ", b"VP8L", b"VP8X")

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
_ODT_MIMETYPE = ODT.encode("ascii")

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
    if head.startswith(_ZIP_LOCAL_HEADER):
        return _zip_kind(fh, size)
    return _text_kind(head, complete=size <= HEAD_SIZE)


def _zip_kind(fh: BinaryIO, size: int) -> str | None:
    """ODT or DOCX, from the archive's directory; nothing is decompressed."""
    if not _small_zip_directory(fh, size):
        return None
    fh.seek(0)
    try:
        with zipfile.ZipFile(fh) as archive:
            infos = archive.infolist()
            first = min(infos, key=lambda info: info.header_offset, default=None)
            # ODF: the first entry, stored uncompressed, is "mimetype" naming the format.
            if (
                first is not None
                and first.header_offset == 0
                and first.filename == "mimetype"
                and first.compress_type == zipfile.ZIP_STORED
                and first.file_size == len(_ODT_MIMETYPE)
                and archive.read(first) == _ODT_MIMETYPE
            ):
                return ODT
            names = {info.filename for info in infos}
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                return DOCX
    except Exception:  # zipfile raises a zoo of types on hostile input; any means "not a document"
        return None
    return None


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


def _text_kind(head: bytes, *, complete: bool) -> str | None:
    """Plain text (UTF-8, no binary bytes), or the markup type a browser would sniff."""
    if not head or _BINARY_BYTES.search(head):
        return None
    try:
        # The head may end inside a multi-byte character when the file goes on.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        return None
    markup = _MARKUP.match(head)
    if markup is None:
        return TXT
    if markup["xml"]:
        return XML
    if markup["svg"]:
        return SVG
    return HTML
