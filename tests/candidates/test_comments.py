"""POST /comments (§5.6, §15.7): markdown or HTML in, sanitised HTML out, the text kept as given."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.models import Comment, Role
from tests.candidates.helpers import COMMENTS, assert_error, assert_invalid, new_job, row_counts
from tests.fixtures.builders import Actor, Builder

SCOPE_ERROR = "This endpoint requires the comments_w scope"
CANDIDATE_SCOPE_ERROR = "This endpoint requires the candidates_r or my_candidates_r scope"
LINK_REL = "noopener noreferrer nofollow"


class _Elements(HTMLParser):
    """Every start tag of a fragment, with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


DANGEROUS_TAGS = {"script", "iframe", "svg", "style", "object", "embed", "form", "math", "base"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcset"}


def assert_safe(html: str) -> None:
    """No scripting survives: no dangerous element, no event handler or style attribute, no URL
    with a scheme other than http(s)/mailto (entity-encoded ones included: the parser decodes)."""
    for tag, attributes in elements(html):
        assert tag not in DANGEROUS_TAGS, html
        for name, value in attributes.items():
            assert not name.startswith("on"), html
            assert name != "style", html
            if name in URL_ATTRIBUTES:
                scheme = value.strip().lower().split(":", 1)
                assert len(scheme) == 1 or scheme[0] in ("http", "https", "mailto"), html
    assert "<script" not in html.lower()


async def _comment(
    client: httpx.AsyncClient, actor: Actor, reference: str, content: Any
) -> httpx.Response:
    return await client.post(
        COMMENTS,
        json={"candidate_reference": reference, "content": content},
        headers=actor.headers,
    )


async def _candidate(client: httpx.AsyncClient, admin: Actor, build: Builder) -> str:
    job = await new_job(client, build, admin)
    reference: str = (await build.candidate(client, admin, job.reference))["reference"]
    return reference


async def test_comment_returns_the_contract_example(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    reference = await _candidate(client, admin, build)

    response = await _comment(client, admin, reference, "Foo")

    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {"id": body["id"], "content": "<p>Foo</p>\n", "raw_content": "Foo"}
    assert isinstance(body["id"], int)
    async with maker() as session:
        stored = await session.get(Comment, body["id"])
        assert stored is not None
        assert (stored.raw_content, stored.content) == ("Foo", "<p>Foo</p>\n")
        assert stored.author_user_id == admin.user.id


async def test_each_comment_gets_its_own_id(
    client: httpx.AsyncClient, admin: Actor, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    reference = await _candidate(client, admin, build)

    first = await _comment(client, admin, reference, "One")
    second = await _comment(client, admin, reference, "Two")

    assert first.json()["id"] != second.json()["id"]
    assert await row_counts(maker) == (1, 2, 0)


@pytest.mark.parametrize(
    ("raw", "html"),
    [
        ("**bold** and *italic*", "<p><strong>bold</strong> and <em>italic</em></p>\n"),
        ("- one\n- two\n", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"),
        ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n"),
        (
            "[Canopy](https://example.com/a?b=1)",
            f'<p><a href="https://example.com/a?b=1" rel="{LINK_REL}">Canopy</a></p>\n',
        ),
        (
            '<a href="https://example.com" target="_blank" rel="opener">site</a>',
            f'<p><a href="https://example.com" rel="{LINK_REL}">site</a></p>\n',
        ),
        ("# Title\n\ntext", "<h1>Title</h1>\n<p>text</p>\n"),
        ("`x < y`", "<p><code>x &lt; y</code></p>\n"),
        ("Line <b>bold</b> & more", "<p>Line <b>bold</b> &amp; more</p>\n"),
    ],
    ids=["emphasis", "bullets", "numbers", "link", "html-link", "heading", "code", "inline-html"],
)
async def test_comment_renders_markdown_and_allowed_html(
    client: httpx.AsyncClient, admin: Actor, build: Builder, raw: str, html: str
) -> None:
    reference = await _candidate(client, admin, build)

    response = await _comment(client, admin, reference, raw)

    assert response.status_code == 201, response.text
    assert response.json()["content"] == html
    assert response.json()["raw_content"] == raw


SANITISATION = {
    "script": "<script>alert(1)</script>Hi",
    "script-in-markdown": "Hello\n\n<script src='https://evil.example/x.js'></script>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "onclick": '<b onclick="alert(1)">click</b>',
    "onmouseover": "<p onmouseover='alert(1)'>hover</p>",
    "a-href-javascript": '<a href="javascript:alert(1)">x</a>',
    "a-href-javascript-mixed-case": "<a href=' JaVaScRiPt:alert(1)'>x</a>",
    "a-href-javascript-entities": "<a href='&#106;avascript:alert(1)'>x</a>",
    "markdown-link-javascript": "[x](javascript:alert(1))",
    "markdown-link-javascript-upper": "[x](JAVASCRIPT:alert(1))",
    "markdown-autolink-javascript": "<javascript:alert(1)>",
    "iframe": "<iframe src='https://evil.example'></iframe>",
    "style-attribute": "<p style='background:url(javascript:alert(1))'>x</p>",
    "style-element": "<style>body{display:none}</style>text",
    "a-href-data": "<a href='data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='>x</a>",
    "img-src-data": "<img src='data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+'>",
    "markdown-image-data": "![x](data:image/png;base64,iVBORw0KGgo=)",
    "svg-onload": "<svg onload=alert(1)><circle r=1 /></svg>",
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "object": "<object data='javascript:alert(1)'></object>",
    "form-action": "<form action='javascript:alert(1)'><button>go</button></form>",
    "math-href": "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    "details-ontoggle": "<details open ontoggle=alert(1)>x</details>",
    "vbscript": "<a href='vbscript:msgbox(1)'>x</a>",
}


@pytest.mark.parametrize("raw", list(SANITISATION.values()), ids=list(SANITISATION))
async def test_comment_content_is_sanitised_and_raw_content_kept_as_given(
    client: httpx.AsyncClient, admin: Actor, build: Builder, raw: str
) -> None:
    reference = await _candidate(client, admin, build)

    response = await _comment(client, admin, reference, raw)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["raw_content"] == raw
    assert_safe(body["content"])


async def test_a_sanitised_link_keeps_its_text_and_gets_the_safe_rel(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    reference = await _candidate(client, admin, build)

    response = await _comment(client, admin, reference, "<a href='javascript:x()'>Label</a>")

    assert elements(response.json()["content"]) == [("p", {}), ("a", {"rel": LINK_REL})]
    assert "Label" in response.json()["content"]


async def test_comment_without_content_is_refused(
    client: httpx.AsyncClient, admin: Actor, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    reference = await _candidate(client, admin, build)

    response = await client.post(
        COMMENTS, json={"candidate_reference": reference}, headers=admin.headers
    )

    assert_error(response, 400, "validation_failed", "content is missing")
    assert await row_counts(maker) == (1, 0, 0)


async def test_comment_with_empty_content_is_refused(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    reference = await _candidate(client, admin, build)

    assert_invalid(await _comment(client, admin, reference, ""), "content")


@pytest.mark.parametrize("param", ["content", "candidate_reference"])
async def test_comment_with_a_nul_character_is_refused(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
    param: str,
) -> None:
    reference = await _candidate(client, admin, build)
    body = {"candidate_reference": reference, "content": "Foo", param: "x\x00y"}

    response = await client.post(COMMENTS, json=body, headers=admin.headers)

    assert_error(
        response, 400, "validation_failed", f"{param} is invalid: must not contain NUL characters"
    )
    assert await row_counts(maker) == (1, 0, 0)


async def test_comment_without_candidate_reference_is_refused(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.post(COMMENTS, json={"content": "Foo"}, headers=admin.headers)

    assert_error(response, 400, "validation_failed", "candidate_reference is missing")


async def test_comment_on_an_unknown_candidate_is_not_found(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await _comment(client, admin, "wttj-000000000000000000000000", "Foo")

    assert_error(response, 404, "not_found", "Candidate not found")


async def test_comment_on_another_organizations_candidate_is_not_found(
    client: httpx.AsyncClient,
    admin: Actor,
    outsider: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    reference = await _candidate(client, outsider, build)

    response = await _comment(client, admin, reference, "Foo")

    assert_error(response, 404, "not_found", "Candidate not found")
    assert await row_counts(maker) == (1, 0, 0)


@pytest.mark.parametrize(
    ("scopes", "description"),
    [
        (["comments_w"], CANDIDATE_SCOPE_ERROR),
        (["candidates_rw"], SCOPE_ERROR),
        (["my_candidates_rw", "jobs_rw"], SCOPE_ERROR),
    ],
    ids=["comments-only", "candidates-only", "my-candidates-only"],
)
async def test_comment_needs_comments_w_and_a_candidates_scope(
    client: httpx.AsyncClient,
    admin: Actor,
    build: Builder,
    maker: async_sessionmaker[AsyncSession],
    scopes: list[str],
    description: str,
) -> None:
    reference = await _candidate(client, admin, build)
    actor = await build.actor(scopes, organization=admin.organization)

    response = await _comment(client, actor, reference, "Foo")

    assert_error(response, 403, "invalid_scope", description)
    assert await row_counts(maker) == (1, 0, 0)


@pytest.mark.parametrize("candidates_scope", ["candidates_r", "candidates_rw"])
async def test_comment_with_comments_w_and_candidates_reaches_every_candidate(
    client: httpx.AsyncClient, admin: Actor, build: Builder, candidates_scope: str
) -> None:
    reference = await _candidate(client, admin, build)
    actor = await build.actor(["comments_w", candidates_scope], organization=admin.organization)

    response = await _comment(client, actor, reference, "Foo")

    assert response.status_code == 201, response.text


@pytest.mark.parametrize("my_scope", ["my_candidates_r", "my_candidates_rw"])
async def test_comment_with_my_candidates_reaches_only_the_users_own_candidates(
    client: httpx.AsyncClient, admin: Actor, build: Builder, my_scope: str
) -> None:
    job = await new_job(client, build, admin)
    author = await build.actor(["my_candidates_rw"], organization=admin.organization)
    own = (await build.candidate(client, author, job.reference))["reference"]
    others = (await build.candidate(client, admin, job.reference))["reference"]
    secret, _ = await build.token(author.user, ["comments_w", my_scope])
    commenter = Actor(author.user, author.organization, secret, 0)

    assert (await _comment(client, commenter, own, "Mine")).status_code == 201
    assert_error(
        await _comment(client, commenter, others, "Theirs"),
        404,
        "not_found",
        "Candidate not found",
    )


async def test_comment_by_a_limited_member_needs_the_job_assignment(
    client: httpx.AsyncClient, admin: Actor, build: Builder
) -> None:
    job = await new_job(client, build, admin)
    reference = (await build.candidate(client, admin, job.reference))["reference"]
    limited = await build.actor(
        ["comments_w", "candidates_r"], organization=admin.organization, role=Role.limited
    )

    before = await _comment(client, limited, reference, "Foo")
    await build.assign(job.reference, limited.user)
    after = await _comment(client, limited, reference, "Foo")

    assert_error(before, 404, "not_found", "Candidate not found")
    assert after.status_code == 201


async def test_comment_accepts_a_form_encoded_body(
    client: httpx.AsyncClient, admin: Actor, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    reference = await _candidate(client, admin, build)

    response = await client.post(
        COMMENTS,
        data={"candidate_reference": reference, "content": "*Hi*"},
        headers=admin.headers,
    )

    assert response.status_code == 201, response.text
    assert response.json()["content"] == "<p><em>Hi</em></p>\n"
    async with maker() as session:
        raws = (await session.scalars(select(Comment.raw_content))).all()
    assert raws == ["*Hi*"]
