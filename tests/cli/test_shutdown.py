"""`canopy serve` stopped by SIGTERM, as an orchestrator stops it (the signal to the main
process only): the requests in flight finish with their answers, new connections are refused
at once instead of queueing for nobody, and the command exits 0 within its bound."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from canopy.db import create_engine
from tests.cli.loads import (
    CANDIDATES,
    DOCUMENTS,
    padded_pdf,
    refuses_connections,
    served_path,
    sha256,
    tenant,
    wait_for,
)
from tests.cli.loads import postgres as postgres  # the fixture
from tests.fixtures.processes import Canopy, serve
from tests.fixtures.remote import RemoteServer, Reply

pytestmark = pytest.mark.slow

SLOW = padded_pdf(24 * 1024, "slow")  # dripped over about 3 s
EXIT_BOUND = 45.0  # the 30 s graceful timeout, the lifespan's shutdown, a loaded machine


async def _candidate(client: httpx.AsyncClient, organization: str, job: str, n: int) -> str:
    response = await client.post(
        CANDIDATES,
        json={
            "organization_reference": organization,
            "job_reference": job,
            "email": f"in-flight-{n}@example.com",
            "firstname": "Ada",
            "lastname": f"Lovelace {n}",
        },
    )
    assert response.status_code == 201, response.text
    reference: str = response.json()["reference"]
    return reference


async def _send(url: str, headers: dict[str, str], method: str, path: str, body: Any) -> Any:
    """One request on a connection of its own."""
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
        return await client.request(method, path, json=body)


@pytest.mark.parametrize("workers", [1, 2])
async def test_sigterm_lets_requests_in_flight_finish_refuses_new_ones_and_exits_0(
    postgres: Canopy, remote: RemoteServer, workers: int
) -> None:
    remote.add(
        "/slow.pdf",
        Reply(body=SLOW, content_type="application/pdf", chunk_size=2048, drip_interval=0.25),
    )
    engine = create_engine(postgres.settings())
    try:
        with serve(postgres, workers=workers) as server:
            setup = await tenant(postgres, server.url)
            async with httpx.AsyncClient(
                base_url=server.url, headers=setup.headers, timeout=30
            ) as client:
                attached_to = await _candidate(
                    client, setup.organization_reference, setup.job_reference, 1
                )
                updated = await _candidate(
                    client, setup.organization_reference, setup.job_reference, 2
                )

            async def blocked_on_a_lock() -> bool:
                async with engine.connect() as probe:
                    waiting = await probe.scalar(
                        text(
                            "SELECT count(*) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                        )
                    )
                return bool(waiting)

            async def fetching() -> bool:
                return bool(remote.seen("/slow.pdf"))

            async def refused() -> bool:
                return await asyncio.to_thread(refuses_connections, server.port)

            async with engine.connect() as holder:
                # Holding the second candidate's row keeps its update in flight for as long as
                # the test needs, however loaded the machine.
                await holder.execute(
                    text("SELECT id FROM candidate WHERE reference = :reference FOR UPDATE"),
                    {"reference": updated},
                )
                attach = asyncio.create_task(
                    _send(
                        server.url,
                        setup.headers,
                        "POST",
                        DOCUMENTS,
                        {
                            "candidate_reference": attached_to,
                            "remote_file_urls": [
                                {"filename": "slow.pdf", "url": remote.url("/slow.pdf")}
                            ],
                        },
                    )
                )
                update = asyncio.create_task(
                    _send(
                        server.url,
                        setup.headers,
                        "PUT",
                        f"{CANDIDATES}/{updated}",
                        {"firstname": "Grace"},
                    )
                )
                await wait_for(fetching, 20, "the attach fetching its slow file")
                await wait_for(blocked_on_a_lock, 20, "the update waiting for its row")

                os.kill(server.process.pid, signal.SIGTERM)

                await wait_for(refused, 15, "new connections refused")
                assert not update.done()  # still waiting for the row: refused meanwhile
                await holder.rollback()

            attach_response, update_response = await asyncio.wait_for(
                asyncio.gather(attach, update), 60
            )
            returncode = await asyncio.to_thread(server.process.wait, EXIT_BOUND)
            output = server.output()

            assert attach_response.status_code == 201, attach_response.text
            assert update_response.status_code == 200, update_response.text
            assert update_response.json()["profile"]["firstname"] == "Grace"
            assert returncode == 0, output
            assert "Traceback" not in output, output

        # Both writes are there, whole, for the next start.
        with serve(postgres, workers=1) as again:
            async with httpx.AsyncClient(
                base_url=again.url, headers=setup.headers, timeout=30
            ) as client:
                listed = await client.get(DOCUMENTS, params={"candidate_reference": attached_to})
                [document] = listed.json()
                served = await client.get(served_path(document["file_url"]))
                candidate = await client.get(f"{CANDIDATES}/{updated}")
            assert sha256(served.content) == sha256(SLOW)
            assert candidate.json()["profile"]["firstname"] == "Grace"
    finally:
        await engine.dispose()
