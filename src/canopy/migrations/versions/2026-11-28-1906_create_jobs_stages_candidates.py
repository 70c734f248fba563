"""create jobs stages candidates

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 19:06:44.019628
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import canopy.models.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("external_reference", sa.String(length=255), nullable=True),
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft", "published", "archived", name="jobstatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("profile", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("company_description", sa.Text(), nullable=True),
        sa.Column("recruitment_process", sa.Text(), nullable=True),
        sa.Column("apply_url", sa.String(length=2000), nullable=True),
        sa.Column("contract_type", sa.String(length=32), nullable=False),
        sa.Column("contract_duration_min", sa.Integer(), nullable=True),
        sa.Column("contract_duration_max", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("education_level", sa.String(length=32), nullable=True),
        sa.Column("experience_level", sa.String(length=32), nullable=True),
        sa.Column("profession_reference", sa.String(length=100), nullable=True),
        sa.Column("salary_min", sa.Integer(), nullable=True),
        sa.Column("salary_max", sa.Integer(), nullable=True),
        sa.Column("salary_currency", sa.String(length=3), nullable=True),
        sa.Column("salary_period", sa.String(length=16), nullable=True),
        sa.Column("remote", sa.String(length=16), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("application_fields", sa.JSON(), nullable=False),
        sa.Column("published_at", canopy.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("archived_at", canopy.models.base.UTCDateTime(timezone=True), nullable=True),
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
            ["department_id"],
            ["department.id"],
            name=op.f("fk_job_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_job_office_id_office"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_job_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
        sa.UniqueConstraint(
            "organization_id",
            "external_reference",
            name=op.f("uq_job_organization_id_external_reference"),
        ),
        sa.UniqueConstraint("organization_id", "slug", name=op.f("uq_job_organization_id_slug")),
        sa.UniqueConstraint("reference", name=op.f("uq_job_reference")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index("ix_job_created", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_office_id"), ["office_id"], unique=False)
        batch_op.create_index(
            "ix_job_org_created", ["organization_id", "created_at", "id"], unique=False
        )
        batch_op.create_index("ix_job_org_status", ["organization_id", "status"], unique=False)
        batch_op.create_index("ix_job_published", ["published_at"], unique=False)
        batch_op.create_index("ix_job_updated", ["updated_at"], unique=False)

    op.create_table(
        "job_office",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_job_office_job_id_job"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["office.id"],
            name=op.f("fk_job_office_office_id_office"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_office")),
        sa.UniqueConstraint("job_id", "office_id", name=op.f("uq_job_office_job_id_office_id")),
    )
    with op.batch_alter_table("job_office", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_office_office_id"), ["office_id"], unique=False)

    op.create_table(
        "job_website",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_job_website_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_website")),
        sa.UniqueConstraint("job_id", "reference", name=op.f("uq_job_website_job_id_reference")),
    )
    with op.batch_alter_table("job_website", schema=None) as batch_op:
        batch_op.create_index("ix_job_website_reference", ["reference", "job_id"], unique=False)

    op.create_table(
        "stage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("visible", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
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
            ["job_id"], ["job.id"], name=op.f("fk_stage_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage")),
    )
    with op.batch_alter_table("stage", schema=None) as batch_op:
        batch_op.create_index("ix_stage_job_position", ["job_id", "position"], unique=False)

    op.create_table(
        "candidate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=True),
        sa.Column("creator_user_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("referrer", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("firstname", sa.String(length=200), nullable=False),
        sa.Column("lastname", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("subtitle", sa.String(length=500), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("zip_code", sa.String(length=20), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("cover_letter", sa.Text(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("media", sa.JSON(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
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
            ["creator_user_id"],
            ["user_account.id"],
            name=op.f("fk_candidate_creator_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_candidate_job_id_job"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_candidate_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stage.id"],
            name=op.f("fk_candidate_stage_id_stage"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate")),
        sa.UniqueConstraint("reference", name=op.f("uq_candidate_reference")),
    )
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.create_index("ix_candidate_creator", ["creator_user_id", "job_id"], unique=False)
        batch_op.create_index(
            "ix_candidate_job_created", ["job_id", "created_at", "id"], unique=False
        )
        batch_op.create_index("ix_candidate_job_email", ["job_id", "email"], unique=False)
        batch_op.create_index("ix_candidate_job_stage", ["job_id", "stage_id"], unique=False)
        batch_op.create_index("ix_candidate_job_updated", ["job_id", "updated_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_candidate_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_organization_id"))
        batch_op.drop_index("ix_candidate_job_updated")
        batch_op.drop_index("ix_candidate_job_stage")
        batch_op.drop_index("ix_candidate_job_email")
        batch_op.drop_index("ix_candidate_job_created")
        batch_op.drop_index("ix_candidate_creator")

    op.drop_table("candidate")
    with op.batch_alter_table("stage", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_job_position")

    op.drop_table("stage")
    with op.batch_alter_table("job_website", schema=None) as batch_op:
        batch_op.drop_index("ix_job_website_reference")

    op.drop_table("job_website")
    with op.batch_alter_table("job_office", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_office_office_id"))

    op.drop_table("job_office")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index("ix_job_updated")
        batch_op.drop_index("ix_job_published")
        batch_op.drop_index("ix_job_org_status")
        batch_op.drop_index("ix_job_org_created")
        batch_op.drop_index(batch_op.f("ix_job_office_id"))
        batch_op.drop_index(batch_op.f("ix_job_department_id"))
        batch_op.drop_index("ix_job_created")

    op.drop_table("job")
