"""campaign leavers: left_at on campaign partners

Revision ID: 0007_campaign_leavers
Revises: 0006_partner_pictures
Create Date: 2026-11-23 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_campaign_leavers"
down_revision = "0006_partner_pictures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("left_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign_partners", schema=None) as batch_op:
        batch_op.drop_column("left_at")
