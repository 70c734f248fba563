"""candidate filter indexes: origin, referrer, archived within a job

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 20:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_candidate_job_origin", "candidate", ["job_id", "origin"])
    op.create_index("ix_candidate_job_referrer", "candidate", ["job_id", "referrer"])
    op.create_index(
        "ix_candidate_job_archived", "candidate", ["job_id", "archived", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_candidate_job_archived", "candidate")
    op.drop_index("ix_candidate_job_referrer", "candidate")
    op.drop_index("ix_candidate_job_origin", "candidate")
