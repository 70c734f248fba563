"""rate limits and idempotency keys: token buckets, download leases, Idempotency-Key results

On SQLite, Canopy keeps these rows in a second database file beside the main one (see
canopy.limits.store): the tables are created here too, so that both backends share one schema,
and stay empty in the main file.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import canopy.models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_bucket",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("tokens", sa.Double(), nullable=False),
        sa.Column("stamp", sa.Double(), nullable=False),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_bucket")),
    )
    op.create_table(
        "download_lease",
        sa.Column("holder", sa.String(length=80), nullable=False),
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("lease_id", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("holder", "slot", name=op.f("pk_download_lease")),
    )
    op.create_table(
        "idempotency_key",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=False),
        sa.Column("locked_until", canopy.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", canopy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", canopy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotency_key")),
    )
    op.create_index(
        op.f("ix_idempotency_key_expires_at"), "idempotency_key", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_idempotency_key_expires_at"), table_name="idempotency_key")
    op.drop_table("idempotency_key")
    op.drop_table("download_lease")
    op.drop_table("rate_limit_bucket")
