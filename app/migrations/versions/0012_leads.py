"""leads: routing rules, partner lead settings, leads and their events, locator searches

Revision ID: 0012_leads
Revises: 0011_locator
Create Date: 2026-12-01 12:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_leads"
down_revision = "0011_locator"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "lead_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sla_hours", sa.Float(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("open_lead_cap", sa.Integer(), nullable=False),
        sa.Column("tier_weight_km", sa.Float(), nullable=False),
        sa.Column("equal_band_km", sa.Float(), nullable=False),
        sa.Column("default_radius_km", sa.Float(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("retention_action", sa.String(10), nullable=False),
        sa.Column("conflict_days", sa.Integer(), nullable=False),
        sa.Column("consent_text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_rules")),
    )
    op.create_table(
        "partner_lead_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("accepts_leads", sa.Boolean(), nullable=False),
        sa.Column("service_radius_km", sa.Float(), nullable=True),
        sa.Column("location_radii", sa.JSON(), nullable=False),
        sa.Column("postcodes", sa.JSON(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _fk("partner_lead_settings", "partner_id", "partners", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_lead_settings")),
        sa.UniqueConstraint("partner_id", name=op.f("uq_partner_lead_settings_partner_id")),
    )
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("postcode", sa.String(20), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("region", sa.String(120), nullable=False),
        sa.Column("country_code", sa.String(2), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("product_interest", sa.String(120), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("consent_text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("requested_partner_id", sa.Integer(), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("distance_km", sa.Float(), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("routing", sa.String(10), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("tried_partner_ids", sa.JSON(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("contacted_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("lost_reason", sa.String(300), nullable=False),
        sa.Column("deal_value", sa.Float(), nullable=True),
        sa.Column("sla_state", sa.String(12), nullable=False),
        sa.Column("sla_due_at", sa.DateTime(), nullable=True),
        sa.Column("sla_claimed_at", sa.DateTime(), nullable=True),
        sa.Column("sla_attempts", sa.Integer(), nullable=False),
        sa.Column("conflict_with_id", sa.Integer(), nullable=True),
        sa.Column("conflict_reason", sa.String(300), nullable=False),
        sa.Column("conflict_open", sa.Boolean(), nullable=False),
        sa.Column("anonymized_at", sa.DateTime(), nullable=True),
        _fk("leads", "requested_partner_id", "partners", "SET NULL"),
        _fk("leads", "partner_id", "partners", "SET NULL"),
        _fk("leads", "location_id", "locations", "SET NULL"),
        _fk("leads", "conflict_with_id", "leads", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        for column in (
            "created_at",
            "email",
            "phone",
            "partner_id",
            "status",
            "sla_state",
            "sla_due_at",
            "conflict_open",
        ):
            batch_op.create_index(f"ix_leads_{column}", [column], unique=False)
    op.create_table(
        "lead_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _fk("lead_events", "lead_id", "leads", "CASCADE"),
        _fk("lead_events", "partner_id", "partners", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_events")),
    )
    with op.batch_alter_table("lead_events", schema=None) as batch_op:
        batch_op.create_index("ix_lead_events_lead_id", ["lead_id"], unique=False)
    op.create_table(
        "locator_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("radius_km", sa.Float(), nullable=True),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locator_searches")),
    )
    with op.batch_alter_table("locator_searches", schema=None) as batch_op:
        batch_op.create_index("ix_locator_searches_at", ["at"], unique=False)


def downgrade() -> None:
    op.drop_table("locator_searches")
    op.drop_table("lead_events")
    op.drop_table("leads")
    op.drop_table("partner_lead_settings")
    op.drop_table("lead_rules")
