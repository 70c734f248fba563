"""documents emails candidate files

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 19:27:10.599335
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import canopy.models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("creator_user_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("object_key", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("source_url", sa.String(length=2048), nullable=True),
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
            name=op.f("fk_document_candidate_id_candidate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["creator_user_id"],
            ["user_account.id"],
            name=op.f("fk_document_creator_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_document_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
        sa.UniqueConstraint("object_key", name=op.f("uq_document_object_key")),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(
            "ix_document_candidate_created", ["candidate_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_document_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "email",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("creator_user_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=998), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("from_email", sa.String(length=320), nullable=False),
        sa.Column("to", sa.String(length=2000), nullable=False),
        sa.Column("origin", sa.String(length=32), nullable=False),
        sa.Column(
            "delivery_status",
            sa.Enum(
                "not_requested",
                "pending",
                "sent",
                "failed",
                name="delivery",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("delivery_error", sa.String(length=1000), nullable=True),
        sa.Column("delivery_attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", canopy.models.base.UTCDateTime(timezone=True), nullable=True),
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
            name=op.f("fk_email_candidate_id_candidate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["creator_user_id"],
            ["user_account.id"],
            name=op.f("fk_email_creator_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_email_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email")),
    )
    with op.batch_alter_table("email", schema=None) as batch_op:
        batch_op.create_index(
            "ix_email_candidate_created", ["candidate_id", "created_at", "id"], unique=False
        )
        batch_op.create_index("ix_email_delivery", ["delivery_status", "created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_email_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "email_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("object_key", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["email_id"],
            ["email.id"],
            name=op.f("fk_email_attachment_email_id_email"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_attachment")),
        sa.UniqueConstraint("object_key", name=op.f("uq_email_attachment_object_key")),
    )
    with op.batch_alter_table("email_attachment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_email_attachment_email_id"), ["email_id"], unique=False
        )

    # Plain ALTER TABLE ADD COLUMN keeps the candidate counter triggers on SQLite.
    with op.batch_alter_table("candidate", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("resume_key", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("resume_size", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("resume_content_type", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("portfolio_key", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("portfolio_size", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("portfolio_content_type", sa.String(length=255), nullable=True)
        )
        batch_op.add_column(sa.Column("avatar_key", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("avatar_size", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("avatar_content_type", sa.String(length=255), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite >= 3.35): a batch copy would drop the candidate counter
    # triggers along with the old table.
    for column in (
        "avatar_content_type",
        "avatar_size",
        "avatar_key",
        "portfolio_content_type",
        "portfolio_size",
        "portfolio_key",
        "resume_content_type",
        "resume_size",
        "resume_key",
    ):
        op.drop_column("candidate", column)

    with op.batch_alter_table("email_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_attachment_email_id"))

    op.drop_table("email_attachment")
    with op.batch_alter_table("email", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_organization_id"))
        batch_op.drop_index("ix_email_delivery")
        batch_op.drop_index("ix_email_candidate_created")

    op.drop_table("email")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_organization_id"))
        batch_op.drop_index("ix_document_candidate_created")

    op.drop_table("document")
