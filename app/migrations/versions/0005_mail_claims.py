"""mail claims: claimed_at and handed_at on mail messages

Revision ID: 0005_mail_claims
Revises: 0004_render_stamps
Create Date: 2026-11-23 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_mail_claims"
down_revision = "0004_render_stamps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("handed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.drop_column("handed_at")
        batch_op.drop_column("claimed_at")
