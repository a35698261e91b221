"""partner pictures: the library of pictures partners uploaded for image fields

Revision ID: 0006_partner_pictures
Revises: 0005_mail_claims
Create Date: 2026-11-23 15:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_partner_pictures"
down_revision = "0005_mail_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_pictures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_pictures_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_partner_pictures_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_pictures")),
        sa.UniqueConstraint(
            "partner_id", "storage_key", name=op.f("uq_partner_pictures_partner_id")
        ),
    )
    with op.batch_alter_table("partner_pictures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_pictures_partner_id"), ["partner_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("partner_pictures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_pictures_partner_id"))
    op.drop_table("partner_pictures")
