"""Content sniffing: real minimal files built here, and the look-alikes that must not pass."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from canopy.files import sniff as types
from canopy.files.sniff import sniff
from tests.fixtures import remote as samples

CONTRACT_DOCUMENT_TYPES = {
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
    "application/rtf",
    "text/plain",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
}


def _write(tmp_path: Path, data: bytes, name: str = "file") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _zip(entries: list[tuple[str, bytes, int]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data, compression in entries:
            archive.writestr(name, data, compression)
    return out.getvalue()


@pytest.mark.parametrize("expected", sorted(samples.SAMPLES))
def test_sniff_recognises_each_real_file_from_its_path(tmp_path: Path, expected: str) -> None:
    assert sniff(_write(tmp_path, samples.SAMPLES[expected]())) == expected


@pytest.mark.parametrize("expected", sorted(samples.SAMPLES))
def test_sniff_recognises_each_real_file_from_its_bytes(expected: str) -> None:
    assert sniff(samples.SAMPLES[expected]()) == expected


def test_sniff_recognises_a_large_docx_from_its_path(tmp_path: Path) -> None:
    # Bigger than the head, and with its directory at the far end, as real documents are.
    data = _zip(
        [
            ("[Content_Types].xml", b"<Types/>", zipfile.ZIP_DEFLATED),
            ("word/media/image1.bin", bytes(range(256)) * 200, zipfile.ZIP_STORED),
            ("word/document.xml", b"<w:document/>", zipfile.ZIP_DEFLATED),
        ]
    )
    assert len(data) > types.HEAD_SIZE
    assert sniff(_write(tmp_path, data)) == types.DOCX
    assert sniff(data[: types.HEAD_SIZE]) is None  # the head alone cannot say


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty", b""),
        ("zip signature then zeros", b"PK\x03\x04" + b"\0" * 60),
        ("empty zip", b"PK\x05\x06" + b"\0" * 18),
        (
            "plain zip",
            _zip([("readme.txt", b"hello", zipfile.ZIP_DEFLATED)]),
        ),
        (
            "docx without content types",
            _zip([("word/document.xml", b"<w:document/>", zipfile.ZIP_DEFLATED)]),
        ),
        (
            "xlsx",
            _zip(
                [
                    ("[Content_Types].xml", b"<Types/>", zipfile.ZIP_DEFLATED),
                    ("xl/workbook.xml", b"<workbook/>", zipfile.ZIP_DEFLATED),
                ]
            ),
        ),
        ("ods", samples.odt(mimetype="application/vnd.oasis.opendocument.spreadsheet")),
        (
            "odt with a compressed mimetype",
            _zip([("mimetype", types.ODT.encode(), zipfile.ZIP_DEFLATED)]),
        ),
        (
            "odt with the mimetype not first",
            _zip(
                [
                    ("content.xml", b"<office:document-content/>", zipfile.ZIP_DEFLATED),
                    ("mimetype", types.ODT.encode(), zipfile.ZIP_STORED),
                ]
            ),
        ),
        ("truncated docx", samples.docx()[:200]),
        ("text spelling the png signature", b"\\x89PNG\r\n\x1a\n is how a PNG starts"),
        ("riff wave", b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\0" * 32),
        ("riff webp without a vp8 chunk", b"RIFF\x24\x00\x00\x00WEBPJUNK" + b"\0" * 32),
        ("gif without its version", b"GIF" + b"\0" * 32),
        ("jpeg 2000", b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\0" * 32),
        ("pdf signature after junk", b"\x00\x01junk%PDF-1.7\n"),
        ("latin-1 text", "résumé".encode("latin-1")),
        ("text with a nul", b"hello\x00world"),
        ("text with a control byte", b"hello\x01world"),
        ("utf-16 text", "résumé".encode("utf-16")),
        ("random bytes", bytes(range(256))),
    ],
)
def test_sniff_refuses_look_alikes(tmp_path: Path, name: str, data: bytes) -> None:
    assert sniff(data) is None, name
    assert sniff(_write(tmp_path, data)) is None, name


def test_sniff_refuses_an_archive_with_too_many_entries(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>")
        for index in range(types.MAX_ZIP_ENTRIES):
            archive.writestr(f"e{index}", b"")
    assert sniff(_write(tmp_path, out.getvalue())) is None


def test_sniff_refuses_an_archive_with_a_huge_directory(tmp_path: Path) -> None:
    long_name = "word/" + "x" * 60_000
    data = _zip(
        [
            ("[Content_Types].xml", b"<Types/>", zipfile.ZIP_STORED),
            ("word/document.xml", b"<w:document/>", zipfile.ZIP_STORED),
            *[(f"{long_name}{index}", b"", zipfile.ZIP_STORED) for index in range(20)],
        ]
    )
    assert sniff(_write(tmp_path, data)) is None


def test_sniff_refuses_an_archive_announcing_zip64(tmp_path: Path) -> None:
    data = samples.docx()
    end = data.rindex(b"PK\x05\x06")
    locator = b"PK\x06\x07" + b"\0" * 16
    assert sniff(_write(tmp_path, data[:end] + locator + data[end:])) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello\n", types.TXT),
        ("Résumé — 履歴書 ✓\r\n\tindented\x0cpage", types.TXT),
        ("\ufeffwith a byte order mark", types.TXT),
        ("a < b and b > c", types.TXT),
        ("<notatag", types.TXT),
        ("<!DOCTYPE html><p>hi", types.HTML),
        ("<!doctype HTML>", types.HTML),
        ("  \n<html lang=en>", types.HTML),
        ("<script>alert(1)</script>", types.HTML),
        ("<p>paragraph", types.HTML),
        ("<a href=x>link</a>", types.HTML),
        ("<!-- comment -->", types.HTML),
        ("\ufeff<body>", types.HTML),
        ('<?xml version="1.0"?><x/>', types.XML),
        ('<svg xmlns="http://www.w3.org/2000/svg"/>', types.SVG),
    ],
)
def test_sniff_tells_text_from_markup(text: str, expected: str) -> None:
    assert sniff(text.encode("utf-8")) == expected


def test_sniff_accepts_text_whose_head_ends_inside_a_character(tmp_path: Path) -> None:
    data = b"a" * (types.HEAD_SIZE - 1) + "é".encode() + b" and more"
    assert sniff(_write(tmp_path, data)) == types.TXT
    assert sniff(data) == types.TXT


def test_sniff_refuses_text_cut_inside_a_character_at_its_end(tmp_path: Path) -> None:
    assert sniff(_write(tmp_path, b"caf" + "é".encode()[:1])) is None


def test_allow_lists_are_the_contracts() -> None:
    assert types.DOCUMENT_TYPES == CONTRACT_DOCUMENT_TYPES
    assert {
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
    } == types.RESUME_TYPES
    assert {"application/pdf"} == types.PORTFOLIO_TYPES
    assert {"image/png", "image/jpeg", "image/gif", "image/webp"} == types.IMAGE_TYPES
    assert types.RESUME_TYPES | types.PORTFOLIO_TYPES | types.IMAGE_TYPES <= types.DOCUMENT_TYPES
    assert set(types.EXTENSIONS) == types.DOCUMENT_TYPES
    assert all(ext.startswith(".") for ext in types.EXTENSIONS.values())
    assert not {types.HTML, types.XML, types.SVG} & types.DOCUMENT_TYPES
