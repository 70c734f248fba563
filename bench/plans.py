"""Query plans of the candidate list on a job with many candidates (default 1 000 000).

    .venv/bin/python bench/plans.py [--rows N] [--database-url URL]

Seeds one organisation, one job and N candidates into a scratch database (a temporary SQLite
file, or the PostgreSQL database given), then prints the plans of the statements that
``GET /candidates?job_reference=…`` runs for page 1, and times that request end to end.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import select, text

from canopy import migrate, rawdb, scopes
from canopy.auth import Principal
from canopy.candidates import reads
from canopy.candidates.schemas import CandidateListParams
from canopy.config import Settings
from canopy.main import create_app
from canopy.models import Job, Role, Stage
from canopy.organizations import service as organizations
from canopy.pagination import Page
from canopy.tokens import service as tokens
from canopy.users import service as users

SEED_SQLITE = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows)
INSERT INTO candidate (reference, organization_id, job_id, stage_id, origin, email, firstname,
                       lastname, tags, media, archived, created_at, updated_at)
SELECT 'wttj-' || lower(hex(randomblob(12))), :org, :job, :stage, 'external',
       'c' || i || '@example.com', 'First', 'Last', '[]', '{}', 0,
       datetime('2020-01-01', '+' || i || ' seconds'),
       datetime('2020-01-01', '+' || i || ' seconds')
FROM n
"""
SEED_POSTGRESQL = """
INSERT INTO candidate (reference, organization_id, job_id, stage_id, origin, email, firstname,
                       lastname, tags, media, archived, created_at, updated_at)
SELECT 'wttj-' || substr(md5(random()::text || i), 1, 24), :org, :job, :stage, 'external',
       'c' || i || '@example.com', 'First', 'Last', '[]', '{}', false,
       timestamp '2020-01-01' + i * interval '1 second',
       timestamp '2020-01-01' + i * interval '1 second'
FROM generate_series(1, :rows) AS i
"""


async def main(rows: int, settings: Settings) -> None:
    await asyncio.to_thread(migrate.upgrade, settings)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        maker = app.state.write_sessionmaker
        async with maker() as session:
            org = await organizations.create(session, "Plans")
            user = await users.create(session, f"plans{time.time_ns()}@example.com", "Plans")
            await users.add_member(session, org, user, Role.admin)
            issued = await tokens.issue(session, user, ["all"])
            job = await session.scalar(select(Job).where(Job.organization_id == org.id))
            assert job is not None
            stage = await session.scalar(select(Stage).where(Stage.job_id == job.id).limit(1))
            assert stage is not None
            await session.commit()
            job_id, job_ref, stage_id, org_id = job.id, job.reference, stage.id, org.id
        started = time.perf_counter()
        async with maker() as session:
            seed = SEED_SQLITE if settings.is_sqlite else SEED_POSTGRESQL
            if not settings.is_sqlite:
                # A bulk load: the per-row counter triggers are switched off for this session
                # and the counters set once afterwards, as an import would do.
                await session.execute(text("SET session_replication_role = replica"))
            await session.execute(
                text(seed), {"rows": rows, "org": org_id, "job": job_id, "stage": stage_id}
            )
            if not settings.is_sqlite:
                await session.execute(text("SET session_replication_role = DEFAULT"))
                await session.execute(
                    text("UPDATE job SET candidates_count = :n WHERE id = :job"),
                    {"n": rows, "job": job_id},
                )
                await session.execute(
                    text("UPDATE stage SET candidates_count = :n WHERE id = :stage"),
                    {"n": rows, "stage": stage_id},
                )
            await session.commit()
            await session.execute(text("ANALYZE"))
            await session.commit()
        print(f"seeded {rows} candidates in {time.perf_counter() - started:.1f} s")

        principal = Principal(
            token_id=0,
            user_id=user.id,
            scopes=scopes.expand(scopes.SCOPES),
            roles={org_id: Role.admin},
        )
        params = CandidateListParams(job_reference=job_ref)
        query = reads.page_query(principal, job_id, params, Page(1, 100), sqlite=settings.is_sqlite)
        print(f"X-Total from the job's counter: {query.count is None}")
        # The statement as the bare driver runs it, with its parameters.
        sql = rawdb.sqlite_sql(query.rows) if settings.is_sqlite else query.rows
        explain = "EXPLAIN QUERY PLAN " if settings.is_sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
        print("\n-- page 1 query:\n" + sql)
        print(f"-- parameters: {query.rows_args}")
        print("\n-- plan:")
        async with app.state.engine.connect() as connection:
            plan = await connection.exec_driver_sql(explain + sql, query.rows_args)
            for row in plan:
                print("  ", " | ".join(str(c) for c in row))

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            headers = {"Authorization": f"Bearer {issued.secret}"}
            url = f"/api/v1/external/candidates?job_reference={job_ref}"
            await client.get(url, headers=headers)
            timings = []
            for _ in range(20):
                started = time.perf_counter()
                response = await client.get(url, headers=headers)
                timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
            timings.sort()
            print(
                f"\nGET page 1 (100 of X-Total {response.headers['x-total']}): "
                f"median {timings[10] * 1000:.1f} ms, max {timings[-1] * 1000:.1f} ms over 20"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="canopy-plans-"))
    settings = Settings(
        env="test",
        var_dir=folder,
        database_url=args.database_url or f"sqlite+aiosqlite:///{folder / 'plans.db'}",
        secret_key="plans-secret-key-0123456789abcdefghijkl",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(main(args.rows, settings))
