"""partner tags: the vendor's own labels on partners (the list's filter, journey conditions and
actions)

Revision ID: 0016_partner_tags
Revises: 0015_score_retention
Create Date: 2026-12-01 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_partner_tags"
down_revision = "0015_score_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN on both databases (no batch copy of the partners table)
    op.add_column(
        "partners",
        sa.Column("tags", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )


def downgrade() -> None:
    # SQLite drops a column natively since 3.35: no batch copy of a table many others point at
    op.drop_column("partners", "tags")
