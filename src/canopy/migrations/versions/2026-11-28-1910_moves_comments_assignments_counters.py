"""create moves comments assignments and candidate counters

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 19:10:09.868300
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import canopy.models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            canopy.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            canopy.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_job_assignment_job_id_job"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_job_assignment_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_assignment")),
        sa.UniqueConstraint("user_id", "job_id", name=op.f("uq_job_assignment_user_id_job_id")),
    )
    with op.batch_alter_table("job_assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_assignment_job_id"), ["job_id"], unique=False)

    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("raw_content", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            canopy.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            canopy.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["author_user_id"],
            ["user_account.id"],
            name=op.f("fk_comment_author_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
            name=op.f("fk_comment_candidate_id_candidate"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment")),
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_candidate_id"), ["candidate_id"], unique=False)

    op.create_table(
        "move",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("from_organization_id", sa.Integer(), nullable=False),
        sa.Column("from_job_id", sa.Integer(), nullable=False),
        sa.Column("from_stage_id", sa.Integer(), nullable=True),
        sa.Column("to_organization_id", sa.Integer(), nullable=False),
        sa.Column("to_job_id", sa.Integer(), nullable=False),
        sa.Column("to_stage_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            canopy.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            canopy.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
            name=op.f("fk_move_candidate_id_candidate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_job_id"], ["job.id"], name=op.f("fk_move_from_job_id_job"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["from_organization_id"],
            ["organization.id"],
            name=op.f("fk_move_from_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_stage_id"],
            ["stage.id"],
            name=op.f("fk_move_from_stage_id_stage"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["to_job_id"], ["job.id"], name=op.f("fk_move_to_job_id_job"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["to_organization_id"],
            ["organization.id"],
            name=op.f("fk_move_to_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_stage_id"],
            ["stage.id"],
            name=op.f("fk_move_to_stage_id_stage"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_move")),
    )
    with op.batch_alter_table("move", schema=None) as batch_op:
        batch_op.create_index("ix_move_candidate", ["candidate_id"], unique=False)
        batch_op.create_index("ix_move_from_job", ["from_job_id"], unique=False)
        batch_op.create_index(
            "ix_move_from_org", ["from_organization_id", "created_at", "id"], unique=False
        )
        batch_op.create_index("ix_move_to_job", ["to_job_id"], unique=False)
        batch_op.create_index(
            "ix_move_to_org", ["to_organization_id", "created_at", "id"], unique=False
        )

    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("candidates_count", sa.Integer(), server_default="0", nullable=False)
        )

    with op.batch_alter_table("stage", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("candidates_count", sa.Integer(), server_default="0", nullable=False)
        )

    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.drop_index("ix_candidate_job_email")
    op.create_index(
        "ix_candidate_job_email_lower", "candidate", ["job_id", sa.text("lower(email)")]
    )

    # The counters are kept by the database itself, whatever writes the candidate rows.
    op.execute(
        "UPDATE job SET candidates_count = "
        "(SELECT count(*) FROM candidate WHERE candidate.job_id = job.id)"
    )
    op.execute(
        "UPDATE stage SET candidates_count = "
        "(SELECT count(*) FROM candidate WHERE candidate.stage_id = stage.id)"
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


_INC = (
    "UPDATE job SET candidates_count = candidates_count + 1 WHERE id = NEW.job_id; "
    "UPDATE stage SET candidates_count = candidates_count + 1 WHERE id = NEW.stage_id;"
)
_DEC = (
    "UPDATE job SET candidates_count = candidates_count - 1 WHERE id = OLD.job_id; "
    "UPDATE stage SET candidates_count = candidates_count - 1 WHERE id = OLD.stage_id;"
)

POSTGRESQL_TRIGGERS = (
    f"""
    CREATE FUNCTION candidate_counts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN {_DEC} END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN {_INC} END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER candidate_counts_insert_delete AFTER INSERT OR DELETE ON candidate "
    "FOR EACH ROW EXECUTE FUNCTION candidate_counts()",
    "CREATE TRIGGER candidate_counts_update AFTER UPDATE OF job_id, stage_id ON candidate "
    "FOR EACH ROW WHEN (OLD.job_id IS DISTINCT FROM NEW.job_id "
    "OR OLD.stage_id IS DISTINCT FROM NEW.stage_id) EXECUTE FUNCTION candidate_counts()",
)

SQLITE_TRIGGERS = (
    f"CREATE TRIGGER candidate_counts_insert AFTER INSERT ON candidate BEGIN {_INC} END",
    f"CREATE TRIGGER candidate_counts_delete AFTER DELETE ON candidate BEGIN {_DEC} END",
    "CREATE TRIGGER candidate_counts_update AFTER UPDATE OF job_id, stage_id ON candidate "
    "WHEN OLD.job_id IS NOT NEW.job_id OR OLD.stage_id IS NOT NEW.stage_id "
    f"BEGIN {_DEC} {_INC} END",
)


def downgrade() -> None:
    op.drop_index("ix_candidate_job_email_lower", "candidate")
    op.create_index("ix_candidate_job_email", "candidate", ["job_id", "email"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS candidate_counts_update ON candidate")
        op.execute("DROP TRIGGER IF EXISTS candidate_counts_insert_delete ON candidate")
        op.execute("DROP FUNCTION IF EXISTS candidate_counts()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS candidate_counts_{name}")
    with op.batch_alter_table("stage", schema=None) as batch_op:
        batch_op.drop_column("candidates_count")

    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_column("candidates_count")

    with op.batch_alter_table("move", schema=None) as batch_op:
        batch_op.drop_index("ix_move_to_org")
        batch_op.drop_index("ix_move_to_job")
        batch_op.drop_index("ix_move_from_org")
        batch_op.drop_index("ix_move_from_job")
        batch_op.drop_index("ix_move_candidate")

    op.drop_table("move")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_candidate_id"))

    op.drop_table("comment")
    with op.batch_alter_table("job_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_assignment_job_id"))

    op.drop_table("job_assignment")
