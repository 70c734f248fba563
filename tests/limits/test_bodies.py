"""The fingerprint of a body read ahead: the same request gives the same fingerprint however
its body arrives in chunks, and whatever boundary a multipart body was drawn with."""

from __future__ import annotations

import pytest

from canopy.limits.bodies import Fingerprint


def _scope(content_type: str, query: bytes = b"") -> dict[str, object]:
    return {
        "method": "POST",
        "path": "/api/v1/external/documents",
        "raw_path": b"/api/v1/external/documents",
        "query_string": query,
        "headers": [(b"content-type", content_type.encode())],
    }


def _multipart(boundary: str, content: bytes) -> bytes:
    return (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="candidate_reference"\r\n\r\n'
            f'wttj-abc\r\n--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="cv.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )


def _digest(boundary: str, content: bytes, chunk: int, query: bytes = b"") -> str:
    fingerprint = Fingerprint(_scope(f"multipart/form-data; boundary={boundary}", query))
    body = _multipart(boundary, content)
    for start in range(0, len(body), chunk):
        fingerprint.feed(body[start : start + chunk])
    return fingerprint.hexdigest()


@pytest.mark.parametrize("chunk", [1, 3, 7, 33, 64, 10_000])
def test_multipart_fingerprint_ignores_the_boundary_and_the_chunks(chunk: int) -> None:
    content = b"%PDF-1.7 " + bytes(range(256)) * 3
    reference = _digest("a" * 32, content, 10_000)

    assert _digest("0123456789abcdef0123456789abcdef", content, chunk) == reference
    assert _digest("b" * 32, content[:-1] + b"!", chunk) != reference
    assert _digest("b" * 32, content, chunk, query=b"stage=true") != reference


def test_fingerprint_leaves_the_access_token_out_and_keeps_the_rest() -> None:
    def digest(query: bytes, body: bytes = b'{"a": 1}') -> str:
        fingerprint = Fingerprint(_scope("application/json", query))
        fingerprint.feed(body)
        return fingerprint.hexdigest()

    assert digest(b"access_token=cnp_one&page=2") == digest(b"page=2")
    assert digest(b"page=2") != digest(b"page=3")
    assert digest(b"", b'{"a": 1}') != digest(b"", b'{"a": 2}')
