"""Idempotency-Key on POST: a retry gets the first answer again and nothing is done twice; the
key is refused for another request (422) or while the first runs (409); a 5xx frees it; kept
answers expire; keys are checked and belong to their token; multipart bodies work."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from canopy.auth import CurrentPrincipal
from canopy.config import Settings
from canopy.models import Candidate, DownloadLease, IdempotencyKey
from canopy.models.base import utcnow
from tests.documents.helpers import DOCUMENTS, Target, document_count, new_target, remote_files
from tests.fixtures.apps import client_for
from tests.fixtures.assertions import assert_error
from tests.fixtures.builders import CANDIDATES, Actor, Builder
from tests.fixtures.processes import Canopy
from tests.fixtures.remote import RemoteServer, Reply, pdf
from tests.limits.conftest import Launch, holder, limit_execute, limit_rows

SLOW = Reply(body=pdf("slow"), content_type="application/pdf", chunk_size=64, drip_interval=0.25)
# Headers that belong to one response, not to the request's result.
PER_RESPONSE = {
    "x-request-id",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-resource",
    "idempotent-replayed",
}

Maker = async_sessionmaker[AsyncSession]


@pytest.fixture
async def job(client: httpx.AsyncClient, build: Builder, admin: Actor) -> str:
    created = await build.job(client, admin)
    reference: str = created["reference"]
    return reference


def _candidate(actor: Actor, job: str, email: str) -> dict[str, Any]:
    return {
        "organization_reference": actor.org,
        "job_reference": job,
        "email": email,
        "firstname": "Ada",
        "lastname": "Lovelace",
    }


def _keyed(actor: Actor, key: str) -> dict[str, str]:
    return {**actor.headers, "Idempotency-Key": key}


async def _candidates(maker: Maker, email: str) -> int:
    async with maker() as session:
        found = await session.scalar(
            select(func.count()).select_from(Candidate).where(Candidate.email == email)
        )
    return found or 0


async def _keys(app: FastAPI, actor: Actor) -> list[dict[str, Any]]:
    rows = await limit_rows(app, "idempotency_key")
    return [row for row in rows if row["scope"] == holder(actor)]


def _result_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in PER_RESPONSE}


async def test_retry_with_the_same_key_gets_the_first_answer_and_creates_nothing(
    launch: Launch, admin: Actor, build: Builder, job: str, maker: Maker
) -> None:
    # A token the suite's app has not used (see ``launch``): its budget is all there.
    colleague = await build.actor(organization=admin.organization)
    app = await launch(rate_limit_capacity=10, rate_limit_refill_per_second=0.001)
    body = _candidate(colleague, job, "retry@example.com")
    async with client_for(app) as client:
        first = await client.post(CANDIDATES, json=body, headers=_keyed(colleague, "order-1"))
        again = await client.post(CANDIDATES, json=body, headers=_keyed(colleague, "order-1"))
        # The token in the query instead of the header: the same request.
        by_query = await client.post(
            CANDIDATES,
            json=body,
            params={"access_token": colleague.token},
            headers={"Idempotency-Key": "order-1"},
        )

    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    for replay in (again, by_query):
        assert replay.status_code == 201
        assert replay.content == first.content
        assert replay.headers["idempotent-replayed"] == "true"
        assert _result_headers(replay) == _result_headers(first)
        assert replay.headers["x-request-id"] != first.headers["x-request-id"]
    # A replay counts against the rate limit, as any request.
    remaining = [int(r.headers["x-ratelimit-remaining"]) for r in (first, again, by_query)]
    assert remaining[0] > remaining[1] > remaining[2]
    assert await _candidates(maker, "retry@example.com") == 1
    [row] = await _keys(app, colleague)
    assert row["status_code"] == 201
    assert row["locked_until"] is None


async def test_same_key_for_another_request_answers_422(
    launch: Launch, admin: Actor, job: str, maker: Maker
) -> None:
    app = await launch()
    body = _candidate(admin, job, "first@example.com")
    async with client_for(app) as client:
        first = await client.post(CANDIDATES, json=body, headers=_keyed(admin, "k-422"))
        other_body = await client.post(
            CANDIDATES,
            json=_candidate(admin, job, "second@example.com"),
            headers=_keyed(admin, "k-422"),
        )
        other_query = await client.post(
            CANDIDATES, json=body, params={"stage": "true"}, headers=_keyed(admin, "k-422")
        )

    assert first.status_code == 201
    for refused in (other_body, other_query):
        assert_error(
            refused,
            422,
            "unprocessable",
            "This Idempotency-Key was first used for a different request (method, path, "
            "query or body): use a new key for a new request",
        )
    assert await _candidates(maker, "second@example.com") == 0
    assert await _candidates(maker, "first@example.com") == 1


async def test_same_key_while_the_first_request_runs_answers_409(
    launch: Launch,
    admin: Actor,
    client: httpx.AsyncClient,
    build: Builder,
    remote: RemoteServer,
    maker: Maker,
) -> None:
    target = await new_target(client, build, admin)
    url = remote.add("/slow.pdf", SLOW)
    body = {
        "candidate_reference": target.reference,
        "remote_file_urls": remote_files(("cv.pdf", url)),
    }
    app = await launch(idempotency_lock_seconds=1)
    async with client_for(app) as one, client_for(app) as two:
        running = asyncio.create_task(
            one.post(DOCUMENTS, json=body, headers=_keyed(admin, "k-409"))
        )
        deadline = time.monotonic() + 10
        while not remote.seen("/slow.pdf"):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        # Past the one-second hold: the running request keeps renewing it.
        await asyncio.sleep(1.5)
        conflict = await two.post(DOCUMENTS, json=body, headers=_keyed(admin, "k-409"))
        assert not running.done()
        first = await running
        replay = await two.post(DOCUMENTS, json=body, headers=_keyed(admin, "k-409"))

    assert_error(
        conflict,
        409,
        "conflict",
        "A request with this Idempotency-Key is still in progress: retry once it has finished",
    )
    assert conflict.headers["retry-after"] == "1"
    assert first.status_code == 201, first.text
    assert replay.status_code == 201
    assert replay.content == first.content
    assert replay.headers["idempotent-replayed"] == "true"
    assert await document_count(maker, target.reference) == 1
    assert len(remote.seen("/slow.pdf")) == 1


async def test_a_5xx_frees_the_key_for_a_retry(launch: Launch, admin: Actor) -> None:
    app = await launch()
    calls: list[int] = []

    async def flaky(principal: CurrentPrincipal) -> dict[str, int]:
        calls.append(principal.token_id)
        if len(calls) == 1:
            raise RuntimeError("the first attempt fails")
        return {"attempt": len(calls)}

    app.add_api_route("/api/v1/external/flaky", flaky, methods=["POST"], status_code=201)
    async with client_for(app) as client:
        failed = await client.post("/api/v1/external/flaky", headers=_keyed(admin, "k-500"))
        kept_nothing = await _keys(app, admin)
        retried = await client.post("/api/v1/external/flaky", headers=_keyed(admin, "k-500"))
        replayed = await client.post("/api/v1/external/flaky", headers=_keyed(admin, "k-500"))

    assert failed.status_code == 500
    assert kept_nothing == []
    assert retried.status_code == 201
    assert retried.json() == {"attempt": 2}
    assert replayed.json() == {"attempt": 2}
    assert replayed.headers["idempotent-replayed"] == "true"
    assert len(calls) == 2


async def test_a_4xx_answer_is_kept_unless_it_may_succeed_as_it_is(
    launch: Launch, admin: Actor, build: Builder, job: str
) -> None:
    reader = await build.actor(("candidates_r",), organization=admin.organization)
    app = await launch()
    incomplete = {"organization_reference": admin.org, "job_reference": job}
    async with client_for(app) as client:
        invalid = await client.post(CANDIDATES, json=incomplete, headers=_keyed(admin, "k-400"))
        invalid_again = await client.post(
            CANDIDATES, json=incomplete, headers=_keyed(admin, "k-400")
        )
        forbidden = await client.post(
            CANDIDATES,
            json=_candidate(reader, job, "x@example.com"),
            headers=_keyed(reader, "k-403"),
        )

    assert invalid.status_code == 400
    assert invalid_again.status_code == 400
    assert invalid_again.content == invalid.content
    assert invalid_again.headers["idempotent-replayed"] == "true"
    assert forbidden.status_code == 403
    assert await _keys(app, reader) == []


async def test_kept_answers_expire_and_are_purged(
    launch: Launch, admin: Actor, job: str, maker: Maker
) -> None:
    app = await launch()
    body = _candidate(admin, job, "expiring@example.com")
    day_ago = utcnow() - timedelta(hours=24, seconds=1)
    async with client_for(app) as client:
        first = await client.post(CANDIDATES, json=body, headers=_keyed(admin, "k-ttl"))
        # 24 hours later (the stored times moved back rather than the clock forward).
        await limit_execute(
            app,
            update(IdempotencyKey)
            .where(IdempotencyKey.scope == holder(admin))
            .values(created_at=day_ago, expires_at=day_ago + timedelta(hours=24)),
        )
        later = await client.post(CANDIDATES, json=body, headers=_keyed(admin, "k-ttl"))
        other = await client.post(CANDIDATES, json=body, headers=_keyed(admin, "k-other"))

    assert first.status_code == later.status_code == other.status_code == 201
    assert "idempotent-replayed" not in later.headers
    assert later.json()["reference"] != first.json()["reference"]
    assert await _candidates(maker, "expiring@example.com") == 3

    await limit_execute(
        app,
        update(IdempotencyKey)
        .where(IdempotencyKey.scope == holder(admin), IdempotencyKey.key == "k-ttl")
        .values(expires_at=utcnow() - timedelta(seconds=1)),
    )
    purged = await app.state.limits.purge()
    assert purged["idempotency_keys"] >= 1
    assert [row["key"] for row in await _keys(app, admin)] == ["k-other"]


@pytest.mark.parametrize(
    "value",
    [b"", b"   ", b"a" * 256, b"cl\xe9", b"two words", b"tab\there"],
    ids=["empty", "blank", "too-long", "not-ascii", "space", "tab"],
)
async def test_malformed_key_answers_400(
    launch: Launch, admin: Actor, job: str, value: bytes
) -> None:
    app = await launch()
    headers = [(b"authorization", f"Bearer {admin.token}".encode()), (b"idempotency-key", value)]
    async with client_for(app) as client:
        response = await client.post(
            CANDIDATES, json=_candidate(admin, job, "bad@example.com"), headers=headers
        )

    assert_error(
        response,
        400,
        "validation_failed",
        "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID, say)",
    )


async def test_key_checks_come_after_authentication_and_accept_255_characters(
    launch: Launch, admin: Actor, job: str
) -> None:
    app = await launch()
    body = _candidate(admin, job, "long@example.com")
    async with client_for(app) as client:
        anonymous = await client.post(
            CANDIDATES, json=body, headers=[(b"idempotency-key", "é".encode("latin-1"))]
        )
        twice = await client.post(
            CANDIDATES,
            json=body,
            headers=[
                ("Authorization", f"Bearer {admin.token}"),
                ("Idempotency-Key", "one"),
                ("Idempotency-Key", "two"),
            ],
        )
        longest = await client.post(CANDIDATES, json=body, headers=_keyed(admin, "k" * 255))

    assert anonymous.status_code == 401
    assert_error(twice, 400, "validation_failed", "Send one Idempotency-Key header, not several")
    assert longest.status_code == 201


async def test_tokens_do_not_share_keys(
    launch: Launch, admin: Actor, build: Builder, job: str, maker: Maker
) -> None:
    colleague = await build.actor(organization=admin.organization)
    app = await launch()
    body = _candidate(admin, job, "shared@example.com")
    async with client_for(app) as client:
        mine = await client.post(CANDIDATES, json=body, headers=_keyed(admin, "same-key"))
        theirs = await client.post(CANDIDATES, json=body, headers=_keyed(colleague, "same-key"))

    assert mine.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert mine.json()["reference"] != theirs.json()["reference"]
    assert await _candidates(maker, "shared@example.com") == 2


async def test_multipart_upload_is_replayed_though_the_retry_draws_a_new_boundary(
    launch: Launch,
    admin: Actor,
    client: httpx.AsyncClient,
    build: Builder,
    maker: Maker,
    temp_files: Callable[[FastAPI], list[str]],
) -> None:
    target: Target = await new_target(client, build, admin)
    # Past the megabyte kept in memory: the body is read ahead into a temporary file.
    big = pdf("big") + b"%" + b"x" * (1536 * 1024) + b"\n"
    app = await launch()

    async def upload(content: bytes, key: str) -> httpx.Response:
        async with client_for(app) as http:
            return await http.post(
                DOCUMENTS,
                data={"candidate_reference": target.reference},
                files=[("files", ("big.pdf", content, "application/pdf"))],
                headers=_keyed(admin, key),
            )

    first = await upload(big, "k-multipart")
    again = await upload(big, "k-multipart")
    changed = await upload(big[:-2] + b"y\n", "k-multipart")

    assert first.status_code == 201, first.text
    boundaries = {r.request.headers["content-type"] for r in (first, again)}
    assert len(boundaries) == 2  # httpx draws a new boundary for every request
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert changed.status_code == 422
    assert await document_count(maker, target.reference) == 1
    assert temp_files(app) == []


async def test_body_past_the_request_cap_answers_413_and_leaves_no_file(
    launch: Launch,
    admin: Actor,
    client: httpx.AsyncClient,
    build: Builder,
    temp_files: Callable[[FastAPI], list[str]],
) -> None:
    target: Target = await new_target(client, build, admin)
    # A request may carry one 4 KB file and 1 MB besides.
    app = await launch(max_files_per_request=1, max_document_bytes=4096)
    async with client_for(app) as http:
        response = await http.post(
            DOCUMENTS,
            data={"candidate_reference": target.reference},
            files=[("files", ("big.pdf", pdf() + b"x" * (1100 * 1024), "application/pdf"))],
            headers=_keyed(admin, "k-413"),
        )

    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert temp_files(app) == []
    assert await _keys(app, admin) == []


async def test_hold_of_a_worker_that_died_lapses(
    launch: Launch, admin: Actor, job: str, maker: Maker
) -> None:
    app = await launch()
    body = _candidate(admin, job, "lapsed@example.com")
    async with client_for(app) as client:
        await client.post(CANDIDATES, json=body, headers=_keyed(admin, "k-dead"))
        # As if the request were still running on a worker that died: no answer, a hold.
        await limit_execute(
            app,
            update(IdempotencyKey)
            .where(IdempotencyKey.scope == holder(admin))
            .values(status_code=None, body=None, locked_until=utcnow() + timedelta(seconds=30)),
        )
        held = await client.post(CANDIDATES, json=body, headers=_keyed(admin, "k-dead"))
        await limit_execute(
            app,
            update(IdempotencyKey)
            .where(IdempotencyKey.scope == holder(admin))
            .values(locked_until=utcnow() - timedelta(seconds=1)),
        )
        other = await client.post(
            CANDIDATES,
            json=_candidate(admin, job, "x@example.com"),
            headers=_keyed(admin, "k-dead"),
        )
        reclaimed = await client.post(CANDIDATES, json=body, headers=_keyed(admin, "k-dead"))

    assert held.status_code == 409
    assert other.status_code == 422  # a lapsed hold is the same request's only
    assert reclaimed.status_code == 201
    assert "idempotent-replayed" not in reclaimed.headers
    [row] = await _keys(app, admin)
    assert row["status_code"] == 201


async def test_key_on_other_methods_is_ignored(launch: Launch, admin: Actor, job: str) -> None:
    app = await launch()
    async with client_for(app) as client:
        created = await client.post(
            CANDIDATES, json=_candidate(admin, job, "put@example.com"), headers=admin.headers
        )
        reference = created.json()["reference"]
        answers = [
            await client.put(
                f"{CANDIDATES}/{reference}",
                json={"firstname": name},
                headers=_keyed(admin, "k-put"),
            )
            for name in ("Grace", "Ada")
        ]

    assert [r.status_code for r in answers] == [200, 200]
    assert answers[1].json()["profile"]["firstname"] == "Ada"
    assert "idempotent-replayed" not in answers[1].headers
    assert await _keys(app, admin) == []


async def test_purge_command_deletes_expired_keys_and_lapsed_slots(
    launch: Launch, admin: Actor, job: str, settings: Settings
) -> None:
    app = await launch()
    async with client_for(app) as client:
        await client.post(
            CANDIDATES, json=_candidate(admin, job, "cron@example.com"), headers=_keyed(admin, "k")
        )
    await limit_execute(
        app,
        update(IdempotencyKey)
        .where(IdempotencyKey.scope == holder(admin))
        .values(expires_at=utcnow() - timedelta(seconds=1)),
    )
    await limit_execute(
        app,
        insert(DownloadLease).values(
            holder=holder(admin), slot=0, lease_id="gone", expires_at=time.time() - 1
        ),
    )
    installation = Canopy(settings.var_dir, database_url=settings.database_url)

    counts = await asyncio.to_thread(installation.json, "limits", "purge")

    assert counts["idempotency_keys"] >= 1
    assert counts["counters"] >= 1
    assert await _keys(app, admin) == []
    leases = await limit_rows(app, "download_lease")
    assert not [row for row in leases if row["holder"] == holder(admin)]
