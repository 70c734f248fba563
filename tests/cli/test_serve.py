"""`canopy serve` as a real process: its refusal to start on an old schema, and two workers
sharing one database: concurrent writes, and a revocation both see at once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from tests.fixtures.processes import (
    Canopy,
    assert_error,
    can_attribute_connections,
    client_port,
    connection_owner,
    describe,
    free_port,
    is_listening,
    serve,
)

pytestmark = pytest.mark.slow

BEHIND = "the database is behind the code: run `canopy db upgrade`"
DEPARTMENTS = "/api/v1/external/departments"
CONCURRENT = 40
AFTER_REVOCATION = 20


def test_serve_refuses_to_start_on_a_database_behind_the_code(canopy: Canopy) -> None:
    port = free_port()

    result = canopy.run("serve", "--port", str(port), "--workers", "2", timeout=30)

    assert_error(result, BEHIND)
    assert not is_listening(port)


def test_serve_refuses_a_weak_secret_key_in_production(tmp_path: Path) -> None:
    canopy = Canopy(
        tmp_path / "var", extra_env={"CANOPY_ENV": "production", "CANOPY_SECRET_KEY": "changeme"}
    )

    result = canopy.run("serve", "--port", str(free_port()), timeout=30)

    assert_error(
        result,
        "invalid settings: CANOPY_SECRET_KEY is too weak for production: use at least 32 "
        "random characters (e.g. `openssl rand -hex 32`)",
    )


async def test_two_workers_share_concurrent_writes_and_refuse_a_revoked_token_at_once(
    canopy: Canopy,
) -> None:
    canopy.ok("db", "upgrade")
    with serve(canopy, workers=2, wait=False) as server:
        # Set up through the command line while the workers boot.
        org, user = canopy.run_all(
            [
                ("org", "create", "--name", "Acme", "--json"),
                ("user", "create", "--email", "ada@example.com", "--name", "Ada"),
            ]
        )
        assert org.returncode == user.returncode == 0, describe(org) + describe(user)
        reference = json.loads(org.stdout)["reference"]
        member, token = canopy.run_all(
            [
                ("member", "add", "--org", reference, "--user", "ada@example.com",
                 "--role", "admin"),
                ("token", "create", "--user", "ada@example.com", "--scopes", "departments_rw",
                 "--json"),
            ]
        )  # fmt: skip
        assert member.returncode == token.returncode == 0, describe(member) + describe(token)
        issued = json.loads(token.stdout)
        auth = {"Authorization": f"Bearer {issued['token']}"}
        listing = {"organization_reference": reference, "per_page": "100"}
        server.wait_ready()
        workers = server.worker_pids()
        assert len(workers) == 2, server.output()

        # (a) Concurrent creations, half racing for the slug "tech".
        limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=CONCURRENT)
        async with httpx.AsyncClient(
            base_url=server.url, headers=auth, limits=limits, timeout=20
        ) as client:

            async def create(n: int) -> tuple[httpx.Response, int | None]:
                name = "Tech" if n % 2 == 0 else f"Team {n}"
                response = await client.post(
                    DEPARTMENTS, json={"organization_reference": reference, "name": name}
                )
                # Asked while the connection is still open (kept alive in the pool).
                owner = await asyncio.to_thread(
                    connection_owner, server.port, client_port(response), workers
                )
                return response, owner

            results = await asyncio.wait_for(
                asyncio.gather(*(create(n) for n in range(CONCURRENT))), timeout=60
            )

        # The kernel picks the worker that accepts each connection, and a busy machine can
        # hand a whole burst to one: more concurrent writes, each on a new connection
        # (bounded), until both workers have written.
        extras: list[tuple[httpx.Response, int | None]] = []
        while can_attribute_connections() and not workers <= {o for _, o in results + extras}:
            assert len(extras) < 10 * CONCURRENT, [o for _, o in results + extras]
            async with httpx.AsyncClient(
                base_url=server.url,
                headers=auth,
                limits=httpx.Limits(max_keepalive_connections=0),
                timeout=20,
            ) as fresh:

                async def create_extra(n: int) -> tuple[httpx.Response, int | None]:
                    # Streamed: without keep-alive, the connection closes once the body is
                    # read, and its ends must be looked up while it is open.
                    async with fresh.stream(
                        "POST",
                        DEPARTMENTS,
                        json={"organization_reference": reference, "name": f"Extra {n}"},
                    ) as response:
                        owner = await asyncio.to_thread(
                            connection_owner, server.port, client_port(response), workers
                        )
                        await response.aread()
                    return response, owner

                start = len(extras)
                extras += await asyncio.wait_for(
                    asyncio.gather(*(create_extra(start + n) for n in range(10))), timeout=60
                )
        assert [r.status_code for r, _ in extras] == [201] * len(extras)
        async with httpx.AsyncClient(base_url=server.url, headers=auth, timeout=20) as client:
            listed = await client.get(DEPARTMENTS, params={**listing, "per_page": "100"})

        responses = [response for response, _ in results]
        assert [r.status_code for r in responses] == [201] * CONCURRENT, [
            r.text for r in responses if r.status_code != 201
        ]
        created = [r.json() for r in responses]
        ids = {d["id"] for d in created}
        assert len(ids) == CONCURRENT
        assert {d["slug"] for d in created if d["name"] == "Tech"} == {"tech"} | {
            f"tech-{n}" for n in range(2, CONCURRENT // 2 + 1)
        }
        assert {d["slug"] for d in created if d["name"] != "Tech"} == {
            f"team-{n}" for n in range(1, CONCURRENT, 2)
        }
        assert listed.status_code == 200, listed.text
        assert listed.headers["X-Total"] == str(CONCURRENT + len(extras))
        assert ids <= {d["id"] for d in listed.json()}
        if can_attribute_connections():
            assert {owner for _, owner in results + extras} == workers

        # (b) Revoked while serving: refused from the next request on, by either worker.
        canopy.ok("token", "revoke", str(issued["id"]))

        async def refused() -> int | None:
            async with httpx.AsyncClient(base_url=server.url, timeout=10) as fresh:
                response = await fresh.get(DEPARTMENTS, params=listing, headers=auth)
                assert response.status_code == 401, response.text
                assert response.json() == {
                    "error": "unauthorized",
                    "error_description": "The access token has been revoked",
                }
                return await asyncio.to_thread(
                    connection_owner, server.port, client_port(response), workers
                )

        # A new connection each, and the kernel picks the worker that accepts it: go on
        # (bounded) until both have answered, which a busy machine can delay.
        owners: list[int | None] = []
        while len(owners) < AFTER_REVOCATION or (
            can_attribute_connections() and not workers <= set(owners)
        ):
            assert len(owners) < 10 * AFTER_REVOCATION, owners
            owners += await asyncio.wait_for(
                asyncio.gather(*(refused() for _ in range(AFTER_REVOCATION // 2))), timeout=30
            )

        assert server.stop() == 0, server.output()
        assert "Traceback" not in server.output(), server.output()
