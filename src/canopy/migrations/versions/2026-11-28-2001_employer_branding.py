"""employer branding

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 20:01:41.327956
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import canopy.models.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_html", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cms_collection", sa.JSON(), nullable=True),
        sa.Column("image", sa.JSON(), nullable=True),
        sa.Column("published_at", canopy.models.base.UTCDateTime(timezone=True), nullable=True),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article")),
        sa.UniqueConstraint("reference", name=op.f("uq_article_reference")),
        sa.UniqueConstraint("slug", name=op.f("uq_article_slug")),
    )
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_language"), ["language"], unique=False)
        batch_op.create_index(
            "ix_article_published", ["status", "published_at", "id"], unique=False
        )
        batch_op.create_index("ix_article_updated", ["updated_at"], unique=False)

    op.create_table(
        "tool_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tool_category")),
        sa.UniqueConstraint("reference", name=op.f("uq_tool_category_reference")),
    )
    op.create_table(
        "image",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("object_key", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
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
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_image_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image")),
        sa.UniqueConstraint("object_key", name=op.f("uq_image_object_key")),
    )
    with op.batch_alter_table("image", schema=None) as batch_op:
        batch_op.create_index(
            "ix_image_org_created", ["organization_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "organization_website",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("root_url", sa.String(length=1000), nullable=False),
        sa.Column("organization_url", sa.String(length=1000), nullable=True),
        sa.Column("cover_url", sa.String(length=1000), nullable=True),
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
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_organization_website_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_website")),
        sa.UniqueConstraint(
            "organization_id",
            "reference",
            name=op.f("uq_organization_website_organization_id_reference"),
        ),
    )
    with op.batch_alter_table("organization_website", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organization_website_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_organization_website_reference"), ["reference"], unique=False
        )

    op.create_table(
        "tool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("alternative_names", sa.String(length=1000), nullable=True),
        sa.Column("thumb_url", sa.String(length=1000), nullable=True),
        sa.Column("tool_category_id", sa.Integer(), nullable=False),
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
            ["tool_category_id"],
            ["tool_category.id"],
            name=op.f("fk_tool_tool_category_id_tool_category"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tool")),
        sa.UniqueConstraint("name", name=op.f("uq_tool_name")),
    )
    with op.batch_alter_table("tool", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tool_tool_category_id"), ["tool_category_id"], unique=False
        )

    op.create_table(
        "organization_tool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("tool_id", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Float(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
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
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_organization_tool_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tool_id"],
            ["tool.id"],
            name=op.f("fk_organization_tool_tool_id_tool"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_tool")),
        sa.UniqueConstraint(
            "organization_id", "tool_id", name=op.f("uq_organization_tool_organization_id_tool_id")
        ),
    )
    with op.batch_alter_table("organization_tool", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organization_tool_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "video",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("external_reference", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("subtitle", sa.String(length=500), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
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
            ["image_id"], ["image.id"], name=op.f("fk_video_image_id_image"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_video_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video")),
        sa.UniqueConstraint(
            "organization_id",
            "source",
            "external_reference",
            name=op.f("uq_video_organization_id_source_external_reference"),
        ),
    )
    with op.batch_alter_table("video", schema=None) as batch_op:
        batch_op.create_index(
            "ix_video_org_created", ["organization_id", "created_at", "id"], unique=False
        )

    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_organization_parent_id"), ["parent_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_organization_parent_id_organization"),
            "organization",
            ["parent_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_organization_parent_id_organization"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_organization_parent_id"))
        batch_op.drop_column("parent_id")

    with op.batch_alter_table("video", schema=None) as batch_op:
        batch_op.drop_index("ix_video_org_created")

    op.drop_table("video")
    with op.batch_alter_table("organization_tool", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_tool_organization_id"))

    op.drop_table("organization_tool")
    with op.batch_alter_table("tool", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tool_tool_category_id"))

    op.drop_table("tool")
    with op.batch_alter_table("organization_website", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_website_reference"))
        batch_op.drop_index(batch_op.f("ix_organization_website_organization_id"))

    op.drop_table("organization_website")
    with op.batch_alter_table("image", schema=None) as batch_op:
        batch_op.drop_index("ix_image_org_created")

    op.drop_table("image")
    op.drop_table("tool_category")
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_index("ix_article_updated")
        batch_op.drop_index("ix_article_published")
        batch_op.drop_index(batch_op.f("ix_article_language"))

    op.drop_table("article")
