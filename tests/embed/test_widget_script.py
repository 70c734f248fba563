"""`GET /embed.js`: Canopy's careers widget, a static script shipped in the package."""

from __future__ import annotations

import re
from importlib import resources

import httpx

from tests.embed.helpers import WIDGET


def _shipped() -> bytes:
    return resources.files("canopy.embed").joinpath("static/embed.js").read_bytes()


async def test_widget_is_served_as_javascript_with_cache_headers_and_cors(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(WIDGET, headers={"Origin": "https://careers.example.org"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.content == _shipped()
    again = await client.get(WIDGET, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


async def test_widget_documents_its_usage_in_its_header(client: httpx.AsyncClient) -> None:
    header = (await client.get(WIDGET)).text.split("*/", 1)[0]

    assert '<div id="canopy-jobs" data-organization="REF"' in header
    assert '<script src="https://canopy.example.com/embed.js" async></script>' in header
    for attribute in ("data-organization", "data-group-by", "data-lang"):
        assert attribute in header


def test_widget_never_parses_strings_as_html() -> None:
    # Every job field goes in through textContent; the browser test checks the effect, this
    # keeps the sinks out of the source in the first place.
    source = _shipped().decode()

    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source, sink
    assert not re.search(r"\bnew Function\b", source)
