"""The OpenAPI document's shared declarations (``canopy.openapi``): one error body for every
error, security where a token is needed, the paging and rate-limit headers, HEAD on lists,
Idempotency-Key on POSTs. Whether the app keeps to them is ``test_schemathesis``'s part."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from canopy.config import Settings
from canopy.main import create_app

API = "/api/v1/external"
METHODS = ("get", "head", "post", "put", "delete", "patch")
ERROR = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app(Settings(env="test", secret_key="openapi-" + "x" * 32)).openapi()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def _response(document: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in response:
        resolved: dict[str, Any] = document["components"]["responses"][
            response["$ref"].rsplit("/", 1)[-1]
        ]
        return resolved
    return response


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)


async def test_the_served_document_is_the_built_one(
    client: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    response = await client.get("/openapi.json")

    assert response.status_code == 200
    assert response.json() == document


def test_every_error_has_the_contract_body(document: dict[str, Any]) -> None:
    assert document["components"]["schemas"]["Error"]["required"] == [
        "error",
        "error_description",
    ]
    for method, path, operation in _operations(document):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            content = _response(document, response).get("content")
            if method == "HEAD":
                assert content is None, (method, path, status)
            else:
                assert content == {"application/json": {"schema": ERROR}}, (method, path, status)


def test_fastapi_validation_errors_are_not_documented(document: dict[str, Any]) -> None:
    """Canopy answers 400, never FastAPI's 422 body."""
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for _, _, operation in _operations(document):
        assert "HTTPValidationError" not in str(operation.get("responses"))


def test_token_routes_declare_security_and_their_errors(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert schemes["access_token"]["in"] == "query"
    secured = 0
    for method, path, operation in _operations(document):
        if not path.startswith(API):
            assert "security" not in operation, (method, path)
            continue
        secured += 1
        assert operation["security"] == [{"bearer": []}, {"access_token": []}], (method, path)
        assert {"401", "429", "500"} <= set(operation["responses"]), (method, path)
    assert secured > 40


def test_path_ids_and_looked_up_references_declare_404(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        if "{" in path:
            assert "404" in operation["responses"], (method, path)
    for path in ("/candidates", "/documents", "/emails", "/comments"):
        for method, operation in document["paths"][API + path].items():
            assert "404" in operation["responses"], (method, path)


def test_lists_answer_head_with_the_paging_headers(document: dict[str, Any]) -> None:
    for path in ("/jobs", "/candidates", "/departments", "/offices", "/moves"):
        item = document["paths"][API + path]
        assert item["head"]["parameters"] == item["get"]["parameters"]
        for method in ("get", "head"):
            headers = item[method]["responses"]["200"]["headers"]
            assert {"X-Total", "X-Total-Pages", "X-Per-Page", "Link"} <= set(headers), path
        assert "content" not in item["head"]["responses"]["200"]
    total = document["components"]["headers"]["X-Total"]
    assert total["required"] is True
    assert total["schema"] == {"type": "integer"}


def test_posts_with_a_token_take_an_idempotency_key(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if method == "POST" and "security" in operation:
            assert "Idempotency-Key" in names, path
            assert {"409", "422"} <= set(operation["responses"]), path
        else:
            assert "Idempotency-Key" not in names, (method, path)


def test_creates_answer_201_and_file_links_answer_bytes(document: dict[str, Any]) -> None:
    for path in ("/jobs", "/candidates", "/documents", "/images", "/offices"):
        assert "201" in document["paths"][API + path]["post"]["responses"], path
    files = document["paths"]["/files/{token}/{name}"]["get"]["responses"]
    binary = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
    assert files["200"]["content"] == binary
    assert files["206"]["content"] == binary
    multipart = document["paths"][API + "/documents"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in multipart


def test_405_lists_every_method_of_the_path(document: dict[str, Any]) -> None:
    allow = document["components"]["responses"]["MethodNotAllowed"]["headers"]["Allow"]
    assert allow == {"$ref": "#/components/headers/Allow"}
    assert document["components"]["headers"]["Allow"]["required"] is True


async def test_method_not_allowed_names_all_the_paths_methods(client: httpx.AsyncClient) -> None:
    """The router's own ``Allow`` named the methods of one route of the path (``GET``), not
    of all of them (the list's POST and HEAD are routes of their own)."""
    response = await client.delete(f"{API}/jobs")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
    response = await client.patch(f"{API}/organizations/WTTJ123/websites/careers")
    assert response.headers["allow"] == "DELETE"
