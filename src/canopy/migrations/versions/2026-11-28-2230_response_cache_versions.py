"""response cache versions: per-organisation content versions kept by triggers

Every committed write to a row that a cached response can show changes its organisation's
``cache_version.version`` (candidate counters change ``counts`` instead), and every content
change also changes row 0 (all organisations, for ``/jobs/all``). Triggers do it, on both
backends, so that no write path (ORM, Core, raw SQL, the command line, another worker) can
forget it. See canopy.cache and docs/caching.md.

- PostgreSQL: deferred constraint triggers, run at commit, so that the version rows are locked
  only while the transaction commits, not while it works. Values come from
  ``cache_clock_id_seq``.
- SQLite: plain triggers (writers are serialised anyway). Values come from the AUTOINCREMENT
  counter of ``cache_clock``, which SQLite never reuses, even once its rows are deleted.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each table whose rows a cached response shows, and the columns that name the organisations
# a row belongs to (``job_id``: through the job).
TABLES: dict[str, tuple[str, ...]] = {
    "organization": ("id", "parent_id"),  # a subsidiary shows on its parent's profile
    "job": ("organization_id",),
    "stage": ("job_id",),
    "job_website": ("job_id",),
    "job_office": ("job_id",),
    "job_assignment": ("job_id",),  # what a limited member reaches
    "office": ("organization_id",),
    "department": ("organization_id",),
    "organization_website": ("organization_id",),
    "image": ("organization_id",),
    "video": ("organization_id",),
}
# Tables whose candidate counters change ``counts``, not ``version``.
COUNTED = ("job", "stage")
COUNTER = "candidates_count"


def upgrade() -> None:
    op.create_table(
        "cache_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("counts", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cache_version")),
    )
    op.create_table(
        "cache_clock",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cache_clock")),
        sqlite_autoincrement=True,
    )
    # The versions of the organisations already there: one first value for all.
    op.execute("INSERT INTO cache_clock DEFAULT VALUES")
    op.execute(
        "INSERT INTO cache_version (id, version, counts) "
        "SELECT o.id, c.id, c.id FROM organization AS o, "
        "(SELECT max(id) AS id FROM cache_clock) AS c"
    )
    op.execute(
        "INSERT INTO cache_version (id, version, counts) SELECT 0, max(id), max(id) FROM cache_clock"
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        for table, paths in TABLES.items():
            arguments = ", ".join(f"'{path}'" for path in paths)
            op.execute(
                f"CREATE CONSTRAINT TRIGGER cache_version_{table} "
                f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                f"EXECUTE FUNCTION cache_version_changed({arguments})"
            )
    else:
        for table, paths in TABLES.items():
            columns = [row[1] for row in bind.exec_driver_sql(f"PRAGMA table_info({table})")]
            for statement in sqlite_triggers(table, paths, columns):
                op.execute(statement)


# -- PostgreSQL ----------------------------------------------------------------------------

POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION cache_version_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_row jsonb;
    old_row jsonb;
    content_changed boolean := true;
    counters_changed boolean := false;
    organizations integer[] := '{{}}';
    path text;
    value text;
    organization integer;
    tick bigint;
BEGIN
    IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW); END IF;
    IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD); END IF;
    IF TG_OP = 'UPDATE' AND new_row -> '{COUNTER}' IS NOT NULL THEN
        -- Candidate counters (kept by the candidate triggers) change `counts` only.
        counters_changed := (new_row -> '{COUNTER}') IS DISTINCT FROM (old_row -> '{COUNTER}');
        content_changed := (new_row - '{COUNTER}') IS DISTINCT FROM (old_row - '{COUNTER}');
    END IF;
    IF NOT (content_changed OR counters_changed) THEN
        RETURN NULL;
    END IF;
    FOREACH path IN ARRAY TG_ARGV LOOP
        FOREACH value IN ARRAY ARRAY[new_row ->> path, old_row ->> path] LOOP
            CONTINUE WHEN value IS NULL;
            IF path = 'job_id' THEN
                -- NULL when the job is gone (deleted with its organisation, say): its own
                -- trigger has counted that change.
                SELECT j.organization_id INTO organization FROM job AS j
                WHERE j.id = value::integer;
            ELSE
                organization := value::integer;
            END IF;
            IF organization IS NOT NULL AND NOT organization = ANY(organizations) THEN
                organizations := organizations || organization;
            END IF;
        END LOOP;
    END LOOP;
    tick := nextval('cache_clock_id_seq');
    -- Row 0 first, then the organisations in order: one locking order for every writer.
    IF content_changed THEN
        INSERT INTO cache_version AS v (id, version, counts) VALUES (0, tick, tick)
        ON CONFLICT (id) DO UPDATE SET version = excluded.version;
        INSERT INTO cache_version AS v (id, version, counts)
        SELECT o, tick, tick FROM unnest(organizations) AS o ORDER BY o
        ON CONFLICT (id) DO UPDATE SET version = excluded.version;
    END IF;
    IF counters_changed THEN
        INSERT INTO cache_version AS v (id, version, counts)
        SELECT o, tick, tick FROM unnest(organizations) AS o ORDER BY o
        ON CONFLICT (id) DO UPDATE SET counts = excluded.counts;
    END IF;
    RETURN NULL;
END $$
"""  # noqa: S608 - constants only


# -- SQLite --------------------------------------------------------------------------------


def _organization(path: str, row: str) -> str:
    if path == "job_id":
        return f"(SELECT j.organization_id FROM job AS j WHERE j.id = {row}.job_id)"  # noqa: S608
    return f"{row}.{path}"


def _bump(expressions: Sequence[str], column: str) -> str:
    """Draw a new value from the clock (keeping only its last row), then give it to row 0 (for
    a content change) and to each organisation the expressions name."""
    statements = [
        # (DEFAULT VALUES is not allowed in a trigger; a NULL id draws the next value.)
        "INSERT INTO cache_clock (id) VALUES (NULL)",
        "DELETE FROM cache_clock WHERE id < (SELECT max(id) FROM cache_clock)",
    ]
    targets = ["0", *expressions] if column == "version" else list(expressions)
    statements.extend(
        "INSERT INTO cache_version (id, version, counts) "  # noqa: S608 - constants only
        f"SELECT o.id, c.id, c.id FROM (SELECT {target} AS id) AS o, cache_clock AS c "
        f"WHERE o.id IS NOT NULL ON CONFLICT (id) DO UPDATE SET {column} = excluded.{column}"
        for target in targets
    )
    return "; ".join(statements) + ";"


def sqlite_triggers(table: str, paths: Sequence[str], columns: Sequence[str]) -> list[str]:
    """The triggers of ``table``. On a counted table, an update bumps ``version`` when any
    column but the counter changed (every column is listed: a migration that adds one must
    make these triggers again, which ``tests/cache/test_triggers.py`` checks) and ``counts``
    when the counter did."""
    new = [_organization(path, "NEW") for path in paths]
    old = [_organization(path, "OLD") for path in paths]
    name = f"cache_version_{table}"
    statements = [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN {_bump(new, 'version')} END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN {_bump(old, 'version')} END",
    ]
    changed = ""
    if table in COUNTED:
        compared = [c for c in columns if c != COUNTER]
        changed = "WHEN " + " OR ".join(f'OLD."{c}" IS NOT NEW."{c}"' for c in compared) + " "
        statements.append(
            f"CREATE TRIGGER {name}_counts AFTER UPDATE OF {COUNTER} ON {table} "
            f"WHEN OLD.{COUNTER} IS NOT NEW.{COUNTER} "
            f"BEGIN {_bump([*old, *new], 'counts')} END"
        )
    statements.append(
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table} {changed}"
        f"BEGIN {_bump([*old, *new], 'version')} END"
    )
    return statements


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS cache_version_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS cache_version_changed()")
    else:
        for table in TABLES:
            for event in ("insert", "delete", "update", "counts"):
                op.execute(f"DROP TRIGGER IF EXISTS cache_version_{table}_{event}")
    op.drop_table("cache_clock")
    op.drop_table("cache_version")
