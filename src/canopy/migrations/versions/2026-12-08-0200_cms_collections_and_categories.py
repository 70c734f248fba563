"""cms collections and their categories; the collection id of an article

Articles name their collection as ``{id, title}`` (kept as JSON); the id gets a column of its
own for the ``cms_collection_id`` filter, filled here from the JSON of the articles already
imported.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import canopy.models.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column[object]]:
    return [
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
    ]


def _editorial() -> list[sa.Column[object]]:
    """The columns a collection and a category share, after their own."""
    return [
        sa.Column("seo_title", sa.String(length=500), nullable=True),
        sa.Column("seo_description", sa.Text(), nullable=True),
        sa.Column("social_title", sa.String(length=500), nullable=True),
        sa.Column("social_description", sa.Text(), nullable=True),
        sa.Column("social_image", sa.JSON(), nullable=True),
        sa.Column("cover", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("internal_name", sa.String(length=500), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("mirrors", sa.JSON(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "cms_collection_category",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("menu_title", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        *_editorial(),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cms_collection_category")),
        sa.UniqueConstraint("reference", name=op.f("uq_cms_collection_category_reference")),
        sa.UniqueConstraint("slug", name=op.f("uq_cms_collection_category_slug")),
    )
    with op.batch_alter_table("cms_collection_category", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cms_collection_category_language"), ["language"], unique=False
        )
        batch_op.create_index(
            "ix_cms_collection_category_published",
            ["status", "published_at", "id"],
            unique=False,
        )
        batch_op.create_index("ix_cms_collection_category_updated", ["updated_at"], unique=False)

    op.create_table(
        "cms_collection",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("category_title", sa.String(length=500), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("theme", sa.String(length=16), nullable=False),
        *_editorial(),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cms_collection")),
        sa.UniqueConstraint("reference", name=op.f("uq_cms_collection_reference")),
        sa.UniqueConstraint("slug", name=op.f("uq_cms_collection_slug")),
    )
    with op.batch_alter_table("cms_collection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cms_collection_category_id"), ["category_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cms_collection_language"), ["language"], unique=False)
        batch_op.create_index(
            "ix_cms_collection_published", ["status", "published_at", "id"], unique=False
        )
        batch_op.create_index("ix_cms_collection_updated", ["updated_at"], unique=False)

    op.add_column("article", sa.Column("cms_collection_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_article_cms_collection_id"), "article", ["cms_collection_id"])
    article = sa.table(
        "article",
        sa.column("id", sa.Integer()),
        sa.column("cms_collection", sa.JSON()),
        sa.column("cms_collection_id", sa.Integer()),
    )
    connection = op.get_bind()
    # Read and written through SQLAlchemy's JSON type: no JSON function differs by backend.
    rows = connection.execute(
        sa.select(article.c.id, article.c.cms_collection).where(
            article.c.cms_collection.is_not(None)
        )
    ).all()
    for row in rows:
        collection = row.cms_collection
        if isinstance(collection, dict) and isinstance(collection.get("id"), int):
            connection.execute(
                article.update()
                .where(article.c.id == row.id)
                .values(cms_collection_id=collection["id"])
            )


def downgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_cms_collection_id"))
        batch_op.drop_column("cms_collection_id")

    with op.batch_alter_table("cms_collection", schema=None) as batch_op:
        batch_op.drop_index("ix_cms_collection_updated")
        batch_op.drop_index("ix_cms_collection_published")
        batch_op.drop_index(batch_op.f("ix_cms_collection_language"))
        batch_op.drop_index(batch_op.f("ix_cms_collection_category_id"))
    op.drop_table("cms_collection")

    with op.batch_alter_table("cms_collection_category", schema=None) as batch_op:
        batch_op.drop_index("ix_cms_collection_category_updated")
        batch_op.drop_index("ix_cms_collection_category_published")
        batch_op.drop_index(batch_op.f("ix_cms_collection_category_language"))
    op.drop_table("cms_collection_category")
