"""mail rate: the messages sent per minute, counted for MAIL_RATE_PER_MINUTE

Revision ID: 0014_mail_rate
Revises: 0013_scorecards
Create Date: 2026-12-01 16:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_mail_rate"
down_revision = "0013_scorecards"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_rate_windows",
        sa.Column("minute", sa.DateTime(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("minute", name=op.f("pk_mail_rate_windows")),
    )


def downgrade() -> None:
    op.drop_table("mail_rate_windows")
