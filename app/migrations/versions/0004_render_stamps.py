"""render input stamps: updated_at on campaign assets and locations, inputs_stamp on renders

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

# rows that exist get the migration's time; new rows get theirs from the models
NOW = sa.text("CURRENT_TIMESTAMP")


def upgrade() -> None:
    with op.batch_alter_table("campaign_assets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=False, server_default=NOW))
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=False, server_default=NOW))
    with op.batch_alter_table("asset_renders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inputs_stamp", sa.String(length=64), nullable=True))
    # the models set these columns; the server default was only for the rows above
    with op.batch_alter_table("campaign_assets", schema=None) as batch_op:
        batch_op.alter_column("updated_at", server_default=None)
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.alter_column("updated_at", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("asset_renders", schema=None) as batch_op:
        batch_op.drop_column("inputs_stamp")
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
    with op.batch_alter_table("campaign_assets", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
