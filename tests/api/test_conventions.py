"""The conventions every endpoint shares (§1, §2, §15.1–§15.4): authentication, scopes, parameters,
errors, request ids."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.config import Settings
from canopy.db import SessionDep
from canopy.errors import ApiError
from canopy.main import create_app
from canopy.models import ApiToken, Organization
from canopy.models.base import utcnow
from canopy.params import MAX_DEPTH, MAX_PARAMS, nest
from canopy.tokens import service as tokens
from tests.api.helpers import assert_error, error
from tests.fixtures.builders import Actor, Builder

DEPARTMENTS = "/api/v1/external/departments"
LANGUAGES = "/api/v1/external/languages"
ONE_MB = 1024 * 1024
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


async def _token(maker: async_sessionmaker[AsyncSession], token_id: int) -> ApiToken:
    async with maker() as session:
        token = await session.get(ApiToken, token_id)
        assert token is not None
        return token


# -- authentication (§1.2, §15.1) --


async def test_authorization_scheme_is_case_insensitive(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    for scheme in ("Bearer", "bearer", "BEARER"):
        response = await client.get(LANGUAGES, headers={"Authorization": f"{scheme} {admin.token}"})
        assert response.status_code == 200, scheme


async def test_access_token_query_param_authenticates(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.get(
        DEPARTMENTS, params={"access_token": admin.token, "organization_reference": admin.org}
    )
    assert response.status_code == 200
    assert response.json() == []


async def test_request_without_a_token_is_unauthorized(client: httpx.AsyncClient) -> None:
    response = await client.get(LANGUAGES)
    assert_error(response, 401, "unauthorized", "The access token is missing")


async def test_empty_access_token_param_counts_as_missing(client: httpx.AsyncClient) -> None:
    response = await client.get(LANGUAGES, params={"access_token": ""})
    assert_error(response, 401, "unauthorized", "The access token is missing")


async def test_unknown_token_is_unauthorized(client: httpx.AsyncClient) -> None:
    for secret in ("cnp_doesnotexist", "x", "Bearer"):
        response = await client.get(LANGUAGES, headers={"Authorization": f"Bearer {secret}"})
        assert_error(response, 401, "unauthorized", "The access token is invalid")


async def test_unknown_access_token_param_is_unauthorized(client: httpx.AsyncClient) -> None:
    response = await client.get(LANGUAGES, params={"access_token": "cnp_nope"})
    assert_error(response, 401, "unauthorized", "The access token is invalid")


async def test_malformed_authorization_header_is_unauthorized(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    for header in ("Basic dXNlcjpwYXNz", "Token abc", "Bearer", "Bearer    ", "Bearerabc"):
        # A valid access_token alongside does not rescue a malformed header.
        response = await client.get(
            LANGUAGES, params={"access_token": admin.token}, headers={"Authorization": header}
        )
        assert_error(
            response, 401, "unauthorized", "The Authorization header must be 'Bearer <token>'"
        )


async def test_revoked_token_is_unauthorized(
    client: httpx.AsyncClient, admin: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    async with maker() as session:
        await tokens.revoke(session, admin.token_id)
        await session.commit()
    response = await client.get(LANGUAGES, headers=admin.headers)
    assert_error(response, 401, "unauthorized", "The access token has been revoked")


async def test_expired_token_is_unauthorized(
    client: httpx.AsyncClient, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    actor = await build.actor()
    secret, token_id = await build.token(actor.user, ["me_r"], expires_in_days=1)
    headers = {"Authorization": f"Bearer {secret}"}
    assert (await client.get(LANGUAGES, headers=headers)).status_code == 200
    async with maker() as session:
        await session.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    response = await client.get(LANGUAGES, headers=headers)
    assert_error(response, 401, "unauthorized", "The access token has expired")


async def test_authentication_runs_before_parameter_validation(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(DEPARTMENTS)
    assert_error(response, 401, "unauthorized", "The access token is missing")


async def test_authentication_runs_before_body_parsing(client: httpx.AsyncClient) -> None:
    response = await client.post(
        DEPARTMENTS,
        content=b"{not json",
        headers={"Content-Type": "application/json", "Authorization": "Bearer cnp_wrong"},
    )
    assert_error(response, 401, "unauthorized", "The access token is invalid")


async def test_authentication_runs_before_path_validation(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{DEPARTMENTS}/not-a-number")
    assert_error(response, 401, "unauthorized", "The access token is missing")


async def test_scope_check_runs_before_parameter_validation(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(scopes=["me_r"])
    response = await client.post(DEPARTMENTS, json={}, headers=actor.headers)
    assert_error(response, 403, "invalid_scope", "This endpoint requires the departments_rw scope")


async def test_token_last_used_at_is_recorded_on_a_read(
    client: httpx.AsyncClient, admin: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    assert (await _token(maker, admin.token_id)).last_used_at is None
    response = await client.get(LANGUAGES, headers=admin.headers)
    assert response.status_code == 200
    used = (await _token(maker, admin.token_id)).last_used_at
    assert used is not None
    assert abs(utcnow() - used) < timedelta(minutes=1)


async def test_token_last_used_at_is_recorded_on_a_write(
    client: httpx.AsyncClient, admin: Actor, maker: async_sessionmaker[AsyncSession]
) -> None:
    response = await client.post(
        DEPARTMENTS, json={"organization_reference": admin.org, "name": "T"}, headers=admin.headers
    )
    assert response.status_code == 201
    used = (await _token(maker, admin.token_id)).last_used_at
    assert used is not None
    assert abs(utcnow() - used) < timedelta(minutes=1)


# -- scopes (§2, §15.4) --


async def test_rw_scope_satisfies_the_r_scope(client: httpx.AsyncClient, build: Builder) -> None:
    actor = await build.actor(scopes=["departments_rw"])
    response = await client.get(
        DEPARTMENTS, params={"organization_reference": actor.org}, headers=actor.headers
    )
    assert response.status_code == 200


async def test_r_scope_does_not_satisfy_the_rw_scope(
    client: httpx.AsyncClient, build: Builder
) -> None:
    actor = await build.actor(scopes=["departments_r"])
    response = await client.post(
        DEPARTMENTS, json={"organization_reference": actor.org, "name": "T"}, headers=actor.headers
    )
    assert_error(response, 403, "invalid_scope", "This endpoint requires the departments_rw scope")


async def test_documented_scope_typo_is_minted_as_my_candidates_rw(
    client: httpx.AsyncClient, build: Builder, maker: async_sessionmaker[AsyncSession]
) -> None:
    actor = await build.actor(scopes=["my_candidtates_rw"])
    assert (await _token(maker, actor.token_id)).scopes == ["my_candidates_rw"]
    response = await client.get(LANGUAGES, headers=actor.headers)
    assert response.status_code == 200


def test_minting_refuses_an_unknown_scope() -> None:
    with pytest.raises(ApiError) as raised:
        tokens.parse_scopes(["departments_rw", "departments_w"])
    assert (raised.value.status, raised.value.code) == (400, "validation_failed")
    assert raised.value.description == "unknown scope(s): departments_w"


# -- parameters (§1.2, §15.1) --


async def test_post_params_combine_query_string_and_json_body(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.post(
        DEPARTMENTS,
        params={"organization_reference": admin.org},
        json={"name": "Tech"},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Tech"


async def test_json_body_wins_over_query_string(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.post(
        DEPARTMENTS,
        params={"name": "From query", "slug": "query"},
        json={"organization_reference": admin.org, "name": "From body"},
        headers=admin.headers,
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["slug"]) == ("From body", "query")


async def test_form_encoded_body_creates(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.post(
        DEPARTMENTS,
        data={"organization_reference": admin.org, "name": "Form", "is_active": "false"},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["name"], body["is_active"]) == ("Form", False)


async def test_form_encoded_body_updates(client: httpx.AsyncClient, admin: Actor) -> None:
    created = await client.post(
        DEPARTMENTS, json={"organization_reference": admin.org, "name": "A"}, headers=admin.headers
    )
    response = await client.put(
        f"{DEPARTMENTS}/{created.json()['id']}",
        params={"name": "From query"},
        data={"name": "From form", "description": "Formed"},
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["description"]) == ("From form", "Formed")


async def test_multipart_form_body_creates(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.post(
        DEPARTMENTS,
        data={"organization_reference": admin.org, "name": "Multipart"},
        files={"attachment": ("notes.txt", b"ignored", "text/plain")},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Multipart"


async def test_json_body_with_a_charset_is_read(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.post(
        DEPARTMENTS,
        content=f'{{"organization_reference": "{admin.org}", "name": "Ünïcode"}}'.encode(),
        headers={**admin.headers, "Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Ünïcode"


async def test_body_without_a_content_type_is_read_as_json(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.post(
        DEPARTMENTS,
        content=f'{{"organization_reference": "{admin.org}", "name": "Bare"}}'.encode(),
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text


BOOLEANS: list[tuple[str | bool, bool]] = [
    ("true", True),
    ("false", False),
    ("1", True),
    ("0", False),
    (True, True),
    (False, False),
]


async def test_booleans_accept_strings_and_json_booleans(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    for value, expected in BOOLEANS:
        response = await client.post(
            DEPARTMENTS,
            json={"organization_reference": admin.org, "name": "T", "is_active": value},
            headers=admin.headers,
        )
        assert response.status_code == 201, (value, response.text)
        assert response.json()["is_active"] is expected, value


async def test_booleans_accept_form_strings(client: httpx.AsyncClient, admin: Actor) -> None:
    for value, expected in BOOLEANS:
        if isinstance(value, bool):
            continue
        response = await client.post(
            DEPARTMENTS,
            data={"organization_reference": admin.org, "name": "T", "is_active": value},
            headers=admin.headers,
        )
        assert response.json()["is_active"] is expected, value


async def test_numeric_strings_are_accepted_for_integers(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.get(
        DEPARTMENTS,
        params={"organization_reference": admin.org, "page": "01", "per_page": " 7 "},
        headers=admin.headers,
    )
    assert response.status_code == 200
    assert (response.headers["x-page"], response.headers["x-per-page"]) == ("1", "7")


async def test_numbers_are_accepted_for_text_params(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.post(
        DEPARTMENTS, json={"organization_reference": admin.org, "name": 2024}, headers=admin.headers
    )
    assert response.status_code == 201
    assert response.json()["name"] == "2024"


async def test_unknown_params_are_ignored(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.post(
        DEPARTMENTS,
        params={"utm_source": "docs"},
        json={
            "organization_reference": admin.org,
            "name": "T",
            "id": 424242,
            "colour": "green",
            "nested": {"a": [1, 2]},
        },
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] != 424242
    assert "colour" not in body


async def test_rack_style_form_keys_are_parsed_and_unknown_ones_ignored(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    form = (
        f"organization_reference={admin.org}&name=Racked&tags[]=a&tags[]=b"
        "&links[][url]=https%3A%2F%2Fa.example&links[][name]=A&meta[source][kind]=api"
    )
    response = await client.post(
        DEPARTMENTS,
        content=form.encode(),
        headers={**admin.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Racked"


def test_nest_keeps_plain_keys_and_the_last_repeated_value() -> None:
    assert nest([("a", "1"), ("b", ""), ("a", "2")]) == {"a": "2", "b": ""}


def test_nest_builds_arrays_from_empty_brackets() -> None:
    assert nest([("ids[]", "1"), ("ids[]", "2"), ("ids[]", "3")]) == {"ids": ["1", "2", "3"]}


def test_nest_builds_hashes_from_named_brackets() -> None:
    pairs = [("salary[min]", "30000"), ("salary[max]", "40000"), ("a[b][c]", "d")]
    assert nest(pairs) == {"salary": {"min": "30000", "max": "40000"}, "a": {"b": {"c": "d"}}}


def test_nest_starts_a_new_hash_in_an_array_when_a_key_repeats() -> None:
    pairs = [
        ("files[][url]", "https://a.example/1.pdf"),
        ("files[][name]", "one.pdf"),
        ("files[][url]", "https://a.example/2.pdf"),
        ("files[][name]", "two.pdf"),
        ("files[][url]", "https://a.example/3.pdf"),
    ]
    assert nest(pairs) == {
        "files": [
            {"url": "https://a.example/1.pdf", "name": "one.pdf"},
            {"url": "https://a.example/2.pdf", "name": "two.pdf"},
            {"url": "https://a.example/3.pdf"},
        ]
    }


def test_nest_starts_a_new_hash_in_an_array_when_a_nested_key_repeats() -> None:
    # Rack: a[][k][x]=1&a[][k][y]=2&a[][k][x]=3 → [{k: {x: 1, y: 2}}, {k: {x: 3}}]
    pairs = [("a[][k][x]", "1"), ("a[][k][y]", "2"), ("a[][k][x]", "3")]
    assert nest(pairs) == {"a": [{"k": {"x": "1", "y": "2"}}, {"k": {"x": "3"}}]}


def test_nest_appends_to_an_array_inside_the_last_hash() -> None:
    pairs = [("a[][tags][]", "x"), ("a[][tags][]", "y"), ("a[][name]", "n")]
    assert nest(pairs) == {"a": [{"tags": ["x", "y"], "name": "n"}]}


def test_nest_keeps_a_key_with_unbalanced_brackets_as_is() -> None:
    assert nest([("a[b", "1"), ("c]", "2"), ("[x]", "3")]) == {"a[b": "1", "c]": "2", "[x]": "3"}


def test_nest_refuses_too_deep_keys() -> None:
    deep = "a" + "[b]" * (MAX_DEPTH + 1)
    with pytest.raises(ApiError) as raised:
        nest([(deep, "1")])
    assert (raised.value.status, raised.value.description) == (400, "a is nested too deeply")
    assert nest([("a" + "[b]" * MAX_DEPTH, "1")])["a"]["b"]


def test_nest_refuses_too_many_params() -> None:
    with pytest.raises(ApiError) as raised:
        nest((f"p{n}", "1") for n in range(MAX_PARAMS + 1))
    assert raised.value.status == 400
    assert raised.value.description == f"Too many parameters (at most {MAX_PARAMS})"


# -- request bodies --


async def test_invalid_json_body_is_rejected(client: httpx.AsyncClient, admin: Actor) -> None:
    for body in (b"{not json", b'{"name": "x",}', b"\xff\xfe"):
        response = await client.post(
            DEPARTMENTS,
            content=body,
            headers={**admin.headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 400, body
        assert response.json()["error"] == "validation_failed"
        assert response.json()["error_description"].startswith("The JSON body is invalid: ")


async def test_json_body_that_is_not_an_object_is_rejected(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    for body in (b"[]", b'[{"name": "x"}]', b'"name"', b"42", b"null"):
        response = await client.post(
            DEPARTMENTS,
            content=body,
            headers={**admin.headers, "Content-Type": "application/json"},
        )
        assert_error(response, 400, "validation_failed", "The JSON body must be an object")


async def test_json_body_over_one_megabyte_is_too_large(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.post(
        DEPARTMENTS,
        json={"organization_reference": admin.org, "name": "T", "description": "x" * ONE_MB},
        headers=admin.headers,
    )
    assert_error(
        response, 413, "payload_too_large", f"The request body is larger than {ONE_MB} bytes"
    )


async def test_streamed_body_over_one_megabyte_is_too_large(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"description": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    response = await client.post(
        DEPARTMENTS,
        content=chunks(),
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert_error(
        response, 413, "payload_too_large", f"The request body is larger than {ONE_MB} bytes"
    )


async def test_form_body_over_one_megabyte_is_too_large(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.post(
        DEPARTMENTS,
        data={"organization_reference": admin.org, "name": "T", "description": "x" * ONE_MB},
        headers=admin.headers,
    )
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


async def test_json_body_just_under_the_limit_is_read(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.post(
        DEPARTMENTS,
        json={"organization_reference": admin.org, "name": "T", "pad": "x" * (ONE_MB - 200)},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text


async def test_empty_json_body_means_no_params(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.post(
        DEPARTMENTS, content=b"  ", headers={**admin.headers, "Content-Type": "application/json"}
    )
    assert_error(response, 400, "validation_failed", "organization_reference is missing")


async def test_unsupported_body_content_type_is_refused(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.post(
        DEPARTMENTS, content=b"name=T", headers={**admin.headers, "Content-Type": "text/plain"}
    )
    assert_error(response, 415, "unsupported_media_type", "Unsupported content type 'text/plain'")


async def test_form_body_that_is_not_utf8_is_rejected(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.post(
        DEPARTMENTS,
        content=b"name=\xff\xfe",
        headers={**admin.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_error(response, 400, "validation_failed", "The form body is not valid UTF-8")


# -- routing errors (§1.5, §15.2) --


async def test_unknown_path_answers_the_not_found_body(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    for path in ("/nope", "/api/v1/external/nope", "/api/v1/external/users/current/x"):
        response = await client.get(path, headers=admin.headers)
        assert_error(response, 404, "not_found", "Resource not found")
        assert "x-request-id" in response.headers


async def test_wrong_method_answers_method_not_allowed(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    for method, path in [
        ("DELETE", DEPARTMENTS),
        ("PATCH", f"{DEPARTMENTS}/1"),
        ("DELETE", "/api/v1/external/offices/1"),
        ("POST", LANGUAGES),
        ("PUT", "/api/v1/external/users/current"),
    ]:
        response = await client.request(method, path, headers=admin.headers)
        assert_error(response, 405, "method_not_allowed", "Method not allowed on this endpoint")
        assert response.headers["allow"], (method, path)


async def test_openapi_document_lists_the_foundation_endpoints(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/external/jobs/dependencies",
        LANGUAGES,
        "/api/v1/external/professions",
        "/api/v1/external/sectors",
        DEPARTMENTS,
        f"{DEPARTMENTS}/{{department_id}}",
        "/api/v1/external/offices",
        "/api/v1/external/offices/{office_id}",
        "/api/v1/external/users/current",
    ):
        assert path in paths, path


# -- unexpected errors and request ids --


async def _call_app_with_failing_routes(
    settings: Settings, method: str, path: str, headers: dict[str, str]
) -> httpx.Response:
    app = create_app(settings)

    async def explode() -> None:
        raise RuntimeError("secret detail: password=hunter2")

    async def write_then_explode(session: SessionDep) -> None:
        session.add(Organization(name="Half written", slug="half-written"))
        await session.flush()
        raise RuntimeError("after a write")

    app.add_api_route("/api/v1/external/explode", explode, methods=["GET"])
    app.add_api_route("/api/v1/external/write-then-explode", write_then_explode, methods=["POST"])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await http.request(method, path, headers=headers)


async def test_unhandled_exception_answers_internal_error_without_details(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="canopy.request"):
        response = await _call_app_with_failing_routes(
            settings, "GET", "/api/v1/external/explode", {"X-Request-Id": "trace-42"}
        )
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"] == "trace-42"
    assert response.json() == error(
        "internal_error",
        "An internal error occurred; quote request id trace-42 when reporting it",
    )
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    logged = [r for r in caplog.records if getattr(r, "request_id", None) == "trace-42"]
    assert logged, "the error is logged with its request id"
    assert logged[0].exc_info is not None


async def test_unhandled_exception_rolls_back_the_request_writes(
    settings: Settings, maker: async_sessionmaker[AsyncSession]
) -> None:
    response = await _call_app_with_failing_routes(
        settings, "POST", "/api/v1/external/write-then-explode", {}
    )
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert GENERATED_ID.match(response.headers["x-request-id"])
    async with maker() as session:
        found = await session.scalar(
            select(Organization).where(Organization.slug == "half-written")
        )
    assert found is None


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient, admin: Actor) -> None:
    responses = [
        await client.get(LANGUAGES, headers=admin.headers),
        await client.head(
            DEPARTMENTS, params={"organization_reference": admin.org}, headers=admin.headers
        ),
        await client.get(LANGUAGES),
        await client.get("/nope"),
        await client.delete(DEPARTMENTS),
        await client.post(DEPARTMENTS, json={}, headers=admin.headers),
    ]
    assert [r.status_code for r in responses] == [200, 200, 401, 404, 405, 400]
    ids = [r.headers["x-request-id"] for r in responses]
    assert all(GENERATED_ID.match(value) for value in ids), ids
    assert len(set(ids)) == len(ids)


async def test_sane_incoming_request_id_is_echoed(client: httpx.AsyncClient, admin: Actor) -> None:
    for incoming in ("abc-123", "req.1:2_3", "A" * 128, "0f8fad5b-d9cb-469f"):
        ok = await client.get(LANGUAGES, headers={**admin.headers, "X-Request-Id": incoming})
        assert ok.headers["x-request-id"] == incoming
        refused = await client.get(LANGUAGES, headers={"X-Request-Id": incoming})
        assert refused.headers["x-request-id"] == incoming


async def test_insane_incoming_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    for incoming in ("has spaces", "A" * 129, "<script>alert(1)</script>", "a/b", "", "tab\there"):
        response = await client.get(LANGUAGES, headers={"X-Request-Id": incoming})
        assert response.status_code == 401
        assert GENERATED_ID.match(response.headers["x-request-id"]), incoming
        assert response.headers.get_list("x-request-id") == [response.headers["x-request-id"]]
