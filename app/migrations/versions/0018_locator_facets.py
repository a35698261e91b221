"""locator facets: the where-to-buy filters' choices, counted by a task instead of each page

Revision ID: 0018_locator_facets
Revises: 0017_locator_search
Create Date: 2026-12-01 20:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_locator_facets"
down_revision = "0017_locator_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "locator_facets",
        sa.Column("filter", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("filter", "value", name=op.f("pk_locator_facets")),
    )


def downgrade() -> None:
    op.drop_table("locator_facets")
