"""campaigns

Revision ID: 0003_campaigns
Revises: 0002_brand_templates
Create Date: 2026-11-23 11:17:19.364268
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_campaigns"
down_revision = "0002_brand_templates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("objective", sa.String(length=40), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("targeting", sa.JSON(), nullable=False),
        sa.Column("include_partner_ids", sa.JSON(), nullable=False),
        sa.Column("exclude_partner_ids", sa.JSON(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(), nullable=True),
        sa.Column("launched_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_campaigns_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaigns_status"), ["status"], unique=False)

    op.create_table(
        "campaign_assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("template_version_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("presets", sa.JSON(), nullable=False),
        sa.Column("editable_fields", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_assets_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["template_version_id"],
            ["brand_template_versions.id"],
            name=op.f("fk_campaign_assets_template_version_id_brand_template_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_assets")),
    )
    with op.batch_alter_table("campaign_assets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_assets_campaign_id"), ["campaign_id"], unique=False
        )

    op.create_table(
        "campaign_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("notified_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_partners_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_campaign_partners_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_partners")),
        sa.UniqueConstraint(
            "campaign_id", "partner_id", name=op.f("uq_campaign_partners_campaign_id")
        ),
    )
    with op.batch_alter_table("campaign_partners", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_partners_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "asset_renders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("render_key", sa.String(length=64), nullable=True),
        sa.Column("storage_key", sa.String(length=300), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("extension", sa.String(length=10), nullable=True),
        sa.Column("preview_key", sa.String(length=300), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["campaign_assets.id"],
            name=op.f("fk_asset_renders_asset_id_campaign_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_asset_renders_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_asset_renders_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_renders")),
        sa.UniqueConstraint("asset_id", "partner_id", name=op.f("uq_asset_renders_asset_id")),
    )
    with op.batch_alter_table("asset_renders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_asset_renders_campaign_status", ["campaign_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_asset_renders_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "customizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["campaign_assets.id"],
            name=op.f("fk_customizations_asset_id_campaign_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_customizations_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_customizations_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customizations")),
        sa.UniqueConstraint("asset_id", "partner_id", name=op.f("uq_customizations_asset_id")),
    )
    with op.batch_alter_table("customizations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customizations_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "engagement_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["campaign_assets.id"],
            name=op.f("fk_engagement_events_asset_id_campaign_assets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_engagement_events_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_engagement_events_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_engagement_events_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_events")),
    )
    with op.batch_alter_table("engagement_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_engagement_events_campaign_kind", ["campaign_id", "kind"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_engagement_events_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_engagement_events_partner_id"), ["partner_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("engagement_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagement_events_partner_id"))
        batch_op.drop_index(batch_op.f("ix_engagement_events_created_at"))
        batch_op.drop_index("ix_engagement_events_campaign_kind")

    op.drop_table("engagement_events")
    with op.batch_alter_table("customizations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customizations_partner_id"))

    op.drop_table("customizations")
    with op.batch_alter_table("asset_renders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_asset_renders_partner_id"))
        batch_op.drop_index("ix_asset_renders_campaign_status")

    op.drop_table("asset_renders")
    with op.batch_alter_table("campaign_partners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_partners_partner_id"))

    op.drop_table("campaign_partners")
    with op.batch_alter_table("campaign_assets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_assets_campaign_id"))

    op.drop_table("campaign_assets")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_status"))

    op.drop_table("campaigns")
