"""Content sniffing: real minimal files built here, and the look-alikes that must not pass."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from canopy.files import sniff as types
from canopy.files.sniff import sniff
from tests.files import kinds
from tests.fixtures import remote as samples


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
    assert sniff(data[: types.HEAD_SIZE]) == types.ZIP  # the head alone cannot say more


@pytest.mark.parametrize(
    ("name", "data"),
    [
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
        ("package naming an unknown type", samples.odt(mimetype="application/x-canopy")),
        ("truncated docx", samples.docx()[:200]),
    ],
)
def test_sniff_calls_an_archive_that_is_no_known_package_a_zip(
    tmp_path: Path, name: str, data: bytes
) -> None:
    # Never a DOCX or an ODT: the resume list must not take them.
    assert sniff(data) == types.ZIP, name
    assert sniff(_write(tmp_path, data)) == types.ZIP, name


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty", b""),
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


def test_sniff_calls_an_archive_with_too_many_entries_a_zip(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>")
        for index in range(types.MAX_ZIP_ENTRIES):
            archive.writestr(f"e{index}", b"")
    assert sniff(_write(tmp_path, out.getvalue())) == types.ZIP


def test_sniff_calls_an_archive_with_a_huge_directory_a_zip(tmp_path: Path) -> None:
    long_name = "word/" + "x" * 60_000
    data = _zip(
        [
            ("[Content_Types].xml", b"<Types/>", zipfile.ZIP_STORED),
            ("word/document.xml", b"<w:document/>", zipfile.ZIP_STORED),
            *[(f"{long_name}{index}", b"", zipfile.ZIP_STORED) for index in range(20)],
        ]
    )
    assert sniff(_write(tmp_path, data)) == types.ZIP


def test_sniff_calls_an_archive_announcing_zip64_a_zip(tmp_path: Path) -> None:
    data = samples.docx()
    end = data.rindex(b"PK\x05\x06")
    locator = b"PK\x06\x07" + b"\0" * 16
    assert sniff(_write(tmp_path, data[:end] + locator + data[end:])) == types.ZIP


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
    assert types.DOCUMENT_TYPES is types.ANY_TYPE is None  # documents and attachments: any type
    assert {
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
    } == types.RESUME_TYPES
    assert {"application/pdf"} == types.PORTFOLIO_TYPES
    assert {"image/png", "image/jpeg", "image/gif", "image/webp"} == types.IMAGE_TYPES
    assert set(types.EXTENSIONS) >= types.RESUME_TYPES | types.PORTFOLIO_TYPES | types.IMAGE_TYPES
    assert types.INLINE_TYPES == types.PORTFOLIO_TYPES | types.IMAGE_TYPES
    assert types.OCTET_STREAM not in types.EXTENSIONS
    assert all(ext.startswith(".") for ext in types.EXTENSIONS.values())
    assert not {types.HTML, types.XML, types.SVG} & (
        types.RESUME_TYPES | types.PORTFOLIO_TYPES | types.IMAGE_TYPES | types.INLINE_TYPES
    )


@pytest.mark.parametrize("kind", sorted(kinds.KINDS))
def test_sniff_names_each_type_beyond_the_resume_and_image_lists(tmp_path: Path, kind: str) -> None:
    build, expected, _ = kinds.KINDS[kind]
    data = build()
    found = sniff(_write(tmp_path, data))
    assert (found or types.OCTET_STREAM) == expected
    assert (sniff(data) or types.OCTET_STREAM) == expected


def test_sniff_tells_word_from_a_word_file_embedding_a_spreadsheet() -> None:
    assert sniff(kinds.ole("WordDocument", "1Table", nested=["Workbook"])) == types.DOC
    assert sniff(kinds.ole("Workbook", nested=["WordDocument"])) == types.XLS


def test_sniff_calls_a_compound_file_of_no_office_stream_an_ole_storage() -> None:
    assert sniff(kinds.ole("__properties_version1.0", "__nameid_version1.0")) == types.OLE


def test_sniff_keeps_a_compound_file_with_an_unreadable_directory_a_word_file() -> None:
    broken = bytearray(kinds.xls())
    broken[48:52] = b"\xf0\xff\xff\x0f"  # the directory's first sector: far past the end
    assert sniff(bytes(broken)) == types.DOC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a,b\n1,2\n", types.CSV),
        ("a;b;c\r\n1;2;3\r\n", types.CSV),
        ("a\tb\n1\t2", types.TXT),
        ("| a | b |\n|---|---|\n| 1 | 2 |\n", types.TXT),
        ('name,note\nAda,"likes, commas"\n', types.CSV),
        ("one line, with a comma\n", types.TXT),
        ("Dear team,\nI enclose my resume.\n", types.TXT),
        ("a,b\n1,2,3\n", types.TXT),
    ],
)
def test_sniff_tells_csv_from_prose(text: str, expected: str) -> None:
    assert sniff(text.encode()) == expected


def test_sniff_finds_an_svg_behind_its_xml_declaration() -> None:
    assert sniff(kinds.svg_picture()) == types.SVG
    assert sniff(b"<!-- drawn by hand --><svg xmlns='http://www.w3.org/2000/svg'/>") == types.SVG
