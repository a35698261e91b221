"""score retention: how long each scorecard keeps daily and monthly snapshots, and the claim of
its nightly pruning

Revision ID: 0015_score_retention
Revises: 0014_mail_rate
Create Date: 2026-12-01 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_score_retention"
down_revision = "0014_mail_rate"
branch_labels = None
depends_on = None

COLUMNS = [
    sa.Column("keep_daily_days", sa.Integer(), nullable=False, server_default="90"),
    sa.Column("keep_monthly_months", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("prune_state", sa.String(12), nullable=False, server_default="idle"),
    # a constant (SQLite adds no column with CURRENT_TIMESTAMP): due at the first night
    sa.Column("prune_due_at", sa.DateTime(), nullable=False, server_default="2000-01-01 00:00:00"),
    sa.Column("prune_claimed_at", sa.DateTime(), nullable=True),
    sa.Column("prune_attempts", sa.Integer(), nullable=False, server_default="0"),
]


def upgrade() -> None:
    # plain ADD COLUMNs (SQLite allows them with constant defaults): no table rebuild
    for column in COLUMNS:
        op.add_column("scorecards", column)


def downgrade() -> None:
    with op.batch_alter_table("scorecards") as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_column(column.name)
