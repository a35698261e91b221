"""template render errors: what the sample render of a version ran into

Revision ID: 0008_template_render_errors
Revises: 0007_campaign_leavers
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_template_render_errors"
down_revision = "0007_campaign_leavers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for the versions already imported: not checked yet (publishing one checks it)
    with op.batch_alter_table("brand_template_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("render_errors", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("brand_template_versions", schema=None) as batch_op:
        batch_op.drop_column("render_errors")
