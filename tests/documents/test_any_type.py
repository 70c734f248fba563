"""Documents of any type (§5.8, §15.8: the docs set no limit): spreadsheets, slides, archives,
CSV, HTML, SVG and bytes of no known type are attached, fetched or uploaded, and stored with
the type their bytes show; served from their file_url as downloads that a browser never
renders from Canopy's origin. Only PDF and raster images are shown inline. The resume,
portfolio and avatar keep their own lists."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.files import sniff as types
from tests.documents.helpers import (
    DOCUMENTS,
    Target,
    assert_document,
    assert_error,
    document_count,
    remote_files,
)
from tests.files.kinds import KINDS
from tests.fixtures.builders import CANDIDATES, Actor
from tests.fixtures.remote import RemoteServer, Reply, image, pdf

SANDBOX = "default-src 'none'; sandbox"
INLINE = {
    "pdf": (pdf, types.PDF, "resume.pdf"),
    "png": (lambda: image("PNG"), types.PNG, "photo.png"),
    "jpeg": (lambda: image("JPEG"), types.JPEG, "photo.jpg"),
    "gif": (lambda: image("GIF"), types.GIF, "photo.gif"),
    "webp": (lambda: image("WEBP"), types.WEBP, "photo.webp"),
}


def assert_download(response: httpx.Response, content_type: str, filename: str) -> None:
    """Served as a file to save, never to render: attachment, nosniff, no script."""
    assert response.headers["content-type"].split(";")[0] == content_type
    assert response.headers["content-disposition"].startswith(f'attachment; filename="{filename}"')
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == SANDBOX


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_attach_fetches_any_remote_file_and_stores_the_type_of_its_bytes(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer, kind: str
) -> None:
    build, content_type, filename = KINDS[kind]
    body = build()
    # What the server claims counts for nothing.
    url = remote.add(f"/{filename}", Reply(body=body, content_type="application/pdf"))

    response = await client.post(
        DOCUMENTS,
        json={
            "candidate_reference": target.reference,
            "remote_file_urls": remote_files((filename, url)),
        },
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    [document] = response.json()
    assert_document(document, target, filename, body, content_type)
    served = await client.get(document["file_url"])
    assert served.status_code == 200
    assert served.content == body
    assert_download(served, content_type, filename)


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_attach_takes_any_uploaded_file_and_stores_the_type_of_its_bytes(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    maker: async_sessionmaker[AsyncSession],
    kind: str,
) -> None:
    build, content_type, filename = KINDS[kind]
    body = build()

    response = await client.post(
        DOCUMENTS,
        data={"candidate_reference": target.reference},
        files=[("files", (filename, body, "application/pdf"))],
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    [document] = response.json()
    assert_document(document, target, filename, body, content_type)
    assert await document_count(maker, target.reference) == 1
    served = await client.get(document["file_url"])
    assert served.content == body
    assert_download(served, content_type, filename)


async def test_a_file_of_no_known_type_is_downloaded_under_its_own_name(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer
) -> None:
    body = b"\x00\x01 not a format anyone knows"
    url = remote.add("/data", Reply(body=body))

    response = await client.post(
        DOCUMENTS,
        json={
            "candidate_reference": target.reference,
            "remote_file_urls": remote_files(("measurements", url)),
        },
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    [document] = response.json()
    assert document["content_type"] == "application/octet-stream"
    served = await client.get(document["file_url"])
    # No extension is made up for it.
    assert_download(served, "application/octet-stream", "measurements")
    assert served.headers["content-disposition"].endswith("filename*=UTF-8''measurements")


@pytest.mark.parametrize("kind", ["html", "svg"])
async def test_html_and_svg_are_never_served_inline_whole_in_part_or_headed(
    client: httpx.AsyncClient, admin: Actor, target: Target, kind: str
) -> None:
    build, content_type, _ = KINDS[kind]
    body = build()
    response = await client.post(
        DOCUMENTS,
        data={"candidate_reference": target.reference},
        # A name that says "picture" changes nothing either.
        files=[("files", ("innocent.png", body, "image/png"))],
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    [document] = response.json()
    assert document["content_type"] == content_type
    url = document["file_url"]

    whole = await client.get(url)
    part = await client.get(url, headers={"Range": "bytes=0-9"})
    headed = await client.head(url)

    assert part.status_code == 206
    assert part.content == body[:10]
    for served in (whole, part, headed):
        # Saved, it is named for what it is.
        assert_download(served, content_type, f"innocent.png{types.EXTENSIONS[content_type]}")


@pytest.mark.parametrize("kind", sorted(INLINE))
async def test_pdf_and_raster_images_stay_inline(
    client: httpx.AsyncClient, admin: Actor, target: Target, remote: RemoteServer, kind: str
) -> None:
    build, content_type, filename = INLINE[kind]
    body = build()

    response = await client.post(
        DOCUMENTS,
        json={
            "candidate_reference": target.reference,
            "remote_file_urls": remote_files((filename, remote.file(f"/{filename}", body))),
        },
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    [document] = response.json()
    assert document["content_type"] == content_type
    served = await client.get(document["file_url"])
    assert served.content == body
    assert served.headers["content-type"] == content_type
    assert served.headers["content-disposition"].startswith(f'inline; filename="{filename}"')
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-security-policy"] == SANDBOX


def _new(actor: Actor, job_reference: str, **fields: Any) -> dict[str, Any]:
    return {
        "organization_reference": actor.org,
        "job_reference": job_reference,
        "email": "ada@example.com",
        "firstname": "Ada",
        "lastname": "Lovelace",
        **fields,
    }


@pytest.mark.parametrize(
    ("param", "kind"),
    [
        ("remote_resume_url", "xlsx"),
        ("remote_resume_url", "xls"),
        ("remote_resume_url", "html"),
        ("remote_resume_url", "zip"),
        ("remote_portfolio_url", "pptx"),
        ("remote_portfolio_url", "csv"),
        ("remote_image_url", "svg"),
        ("remote_image_url", "random"),
    ],
)
async def test_resume_portfolio_and_avatar_keep_their_type_lists(
    client: httpx.AsyncClient,
    admin: Actor,
    target: Target,
    remote: RemoteServer,
    param: str,
    kind: str,
) -> None:
    build, content_type, filename = KINDS[kind]
    url = remote.file(f"/{filename}", build(), "application/pdf")

    response = await client.post(
        CANDIDATES,
        json=_new(admin, target.job_reference, **{param: url}),
        headers=admin.headers,
    )

    found = "an unknown type" if content_type == types.OCTET_STREAM else content_type
    assert_error(
        response,
        400,
        "validation_failed",
        f"{param} ({url}) could not be downloaded: the file type is not allowed (found {found})",
    )
