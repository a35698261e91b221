"""scorecards: the partner activity record, imported metrics, scorecards, runs, snapshots and
tier recommendations

Revision ID: 0013_scorecards
Revises: 0012_leads
Create Date: 2026-12-01 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_scorecards"
down_revision = "0012_leads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_activity",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "partner_id",
            sa.Integer(),
            sa.ForeignKey("partners.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("ref_type", sa.String(40), nullable=True),
        sa.Column("ref_id", sa.String(64), nullable=True),
    )
    op.create_index(
        "ix_partner_activity_partner_kind_at",
        "partner_activity",
        ["partner_id", "kind", "occurred_at"],
    )
    op.create_index(
        "ix_partner_activity_kind_at",
        "partner_activity",
        ["kind", "occurred_at", "partner_id"],
        postgresql_include=["value", "ref_type", "ref_id"],
    )

    op.create_table(
        "imported_metrics",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "partner_id",
            sa.Integer(),
            sa.ForeignKey("partners.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("partner_id", "metric", "period_start", name="uq_imported_metric"),
    )
    op.create_index(
        "ix_imported_metrics_metric_period", "imported_metrics", ["metric", "period_start"]
    )

    op.create_table(
        "scorecards",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("period_days", sa.Integer(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "score_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "scorecard_id",
            sa.Integer(),
            sa.ForeignKey("scorecards.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("requested_by", sa.String(254), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("partners", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
    )
    op.create_index("ix_score_runs_state_due", "score_runs", ["state", "due_at"])
    with op.batch_alter_table("scorecards") as batch_op:
        batch_op.create_foreign_key(
            "fk_scorecards_last_run", "score_runs", ["last_run_id"], ["id"], ondelete="SET NULL"
        )

    op.create_table(
        "score_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("score_runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "scorecard_id",
            sa.Integer(),
            sa.ForeignKey("scorecards.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "partner_id",
            sa.Integer(),
            sa.ForeignKey("partners.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("previous_score", sa.Float(), nullable=True),
        sa.Column("tier_id", sa.Integer(), sa.ForeignKey("tiers.id", ondelete="SET NULL")),
        sa.Column(
            "recommended_tier_id", sa.Integer(), sa.ForeignKey("tiers.id", ondelete="SET NULL")
        ),
        sa.Column("lines", sa.JSON(), nullable=False),
    )
    op.create_index("ix_score_snapshots_run", "score_snapshots", ["run_id"])
    op.create_index(
        "ix_score_snapshots_partner",
        "score_snapshots",
        ["partner_id", "scorecard_id", "computed_at"],
    )

    op.create_table(
        "tier_recommendations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "partner_id",
            sa.Integer(),
            sa.ForeignKey("partners.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "scorecard_id",
            sa.Integer(),
            sa.ForeignKey("scorecards.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "snapshot_id",
            sa.Integer(),
            sa.ForeignKey("score_snapshots.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("from_tier_id", sa.Integer(), sa.ForeignKey("tiers.id", ondelete="SET NULL")),
        sa.Column("to_tier_id", sa.Integer(), sa.ForeignKey("tiers.id", ondelete="SET NULL")),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("note", sa.String(500), nullable=False),
    )
    op.create_index("ix_tier_recommendations_partner_id", "tier_recommendations", ["partner_id"])
    op.create_index(
        "ix_tier_recommendations_state", "tier_recommendations", ["scorecard_id", "state"]
    )


def downgrade() -> None:
    op.drop_table("tier_recommendations")
    op.drop_table("score_snapshots")
    with op.batch_alter_table("scorecards") as batch_op:
        batch_op.drop_constraint("fk_scorecards_last_run", type_="foreignkey")
    op.drop_table("score_runs")
    op.drop_table("scorecards")
    op.drop_table("imported_metrics")
    op.drop_table("partner_activity")
