"""brand templates

Revision ID: 0002_brand_templates
Revises: 0001_foundation
Create Date: 2026-11-23 11:03:24.554434
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_brand_templates"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "brand_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand_templates")),
        sa.UniqueConstraint("slug", name=op.f("uq_brand_templates_slug")),
    )
    op.create_table(
        "brand_template_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("bundle_key", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_brand_template_versions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["brand_templates.id"],
            name=op.f("fk_brand_template_versions_template_id_brand_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand_template_versions")),
        sa.UniqueConstraint("template_id", "number", name="uq_brand_template_versions_number"),
        sa.UniqueConstraint("template_id", "sha256", name="uq_brand_template_versions_sha256"),
    )
    with op.batch_alter_table("brand_template_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_brand_template_versions_template_id"), ["template_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("brand_template_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_brand_template_versions_template_id"))

    op.drop_table("brand_template_versions")
    op.drop_table("brand_templates")
