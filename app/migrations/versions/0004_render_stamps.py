"""render input stamps: updated_at on campaign assets, updated_at and version on locations,
inputs_stamp on renders

Revision ID: 0004_render_stamps
Revises: 0003_campaigns
Create Date: 2026-11-23 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_render_stamps"
down_revision = "0003_campaigns"
branch_labels = None
depends_on = None


def _utc_now() -> sa.TextClause:
    """The time now in UTC, as the models write it (naive UTC), for the rows that exist."""
    if op.get_bind().dialect.name == "postgresql":
        return sa.text("timezone('utc', now())")
    return sa.text("CURRENT_TIMESTAMP")  # SQLite's is UTC


def upgrade() -> None:
    now = _utc_now()
    with op.batch_alter_table("campaign_assets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("updated_at", sa.DateTime(), nullable=False, server_default=now)
        )
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("updated_at", sa.DateTime(), nullable=False, server_default=now)
        )
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("asset_renders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inputs_stamp", sa.String(length=64), nullable=True))
    # the models set these columns; the server default was only for the rows above
    with op.batch_alter_table("campaign_assets", schema=None) as batch_op:
        batch_op.alter_column("updated_at", server_default=None)
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.alter_column("updated_at", server_default=None)
        batch_op.alter_column("version", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("asset_renders", schema=None) as batch_op:
        batch_op.drop_column("inputs_stamp")
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("updated_at")
    with op.batch_alter_table("campaign_assets", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
