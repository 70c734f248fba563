"""rate limit buckets: the units lent to workers

Workers claim units from a token's bucket a few at a time and spend them without asking again
(canopy.limits.claims); ``lent`` counts those still out, which the bucket keeps counting when it
refills. On SQLite the buckets live in the limits' own file beside the main one, which gets the
column when a worker opens it (canopy.limits.store); the main file gets it here, as PostgreSQL.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "rate_limit_bucket",
        sa.Column("lent", sa.Double(), server_default=sa.text("0"), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("rate_limit_bucket") as batch:
        batch.drop_column("lent")
