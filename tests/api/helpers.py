"""Small assertions shared by the API tests: the error body, the paging headers, the Link header."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import httpx

from tests.fixtures.assertions import assert_error as assert_error
from tests.fixtures.assertions import error as error

PAGING_HEADERS = (
    "x-total",
    "x-total-pages",
    "x-per-page",
    "x-page",
    "x-offset",
    "x-next-page",
    "x-prev-page",
    "link",
)

# RFC 8288: link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param ), comma-separated.
_LINK_VALUE = re.compile(r'^<([^>]*)>\s*;\s*rel="([a-z]+)"$')


def paging(response: httpx.Response) -> dict[str, str]:
    """The Kaminari-style headers, without Link."""
    return {name: response.headers[name] for name in PAGING_HEADERS if name != "link"}


def links(response: httpx.Response) -> dict[str, tuple[str, dict[str, str]]]:
    """The Link header as ``rel → (path, query parameters)``; fails on anything malformed."""
    result: dict[str, tuple[str, dict[str, str]]] = {}
    for value in response.headers["link"].split(", "):
        match = _LINK_VALUE.match(value)
        assert match is not None, f"not an RFC 8288 link-value: {value!r}"
        url, rel = match.groups()
        parts = urlsplit(url)
        assert parts.scheme == "http"
        assert parts.netloc == "testserver"
        assert rel not in result, f"rel {rel!r} twice"
        result[rel] = (parts.path, dict(parse_qsl(parts.query)))
    return result
