"""journeys: definitions, versions, enrollments, step runs, sends; prospects, applications;
the partner activity record

Revision ID: 0009_journeys
Revises: 0008_template_render_errors
Create Date: 2026-12-01 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_journeys"
down_revision = "0008_template_render_errors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_events_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_events")),
    )
    op.create_index("ix_partner_events_handled_at", "partner_events", ["handled_at", "id"])
    op.create_index(op.f("ix_partner_events_partner_id"), "partner_events", ["partner_id"])

    op.create_table(
        "journeys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=False),
        sa.Column("current_version_id", sa.Integer(), nullable=True),
        sa.Column("starter", sa.String(length=40), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_journeys_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journeys")),
    )
    op.create_index(op.f("ix_journeys_status"), "journeys", ["status"])
    op.create_table(
        "journey_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["journey_id"],
            ["journeys.id"],
            name=op.f("fk_journey_versions_journey_id_journeys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_journey_versions_published_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_versions")),
        sa.UniqueConstraint("journey_id", "number", name=op.f("uq_journey_versions_journey_id")),
    )
    with op.batch_alter_table("journeys", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_journeys_current_version_id_journey_versions"),
            "journey_versions",
            ["current_version_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "prospects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("domain", sa.String(length=200), nullable=False),
        sa.Column("time_zone", sa.String(length=60), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_prospects_partner_id_partners"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospects")),
    )
    op.create_index(op.f("ix_prospects_email"), "prospects", ["email"])
    op.create_index(op.f("ix_prospects_domain"), "prospects", ["domain"])
    op.create_index(op.f("ix_prospects_status"), "prospects", ["status"])

    op.create_table(
        "partner_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("domain", sa.String(length=200), nullable=False),
        sa.Column("partner_type", sa.String(length=30), nullable=False),
        sa.Column("specialties", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("consent_text", sa.Text(), nullable=False),
        sa.Column("consent_given_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("prospect_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_applications_partner_id_partners"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["prospect_id"],
            ["prospects.id"],
            name=op.f("fk_partner_applications_prospect_id_prospects"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f("fk_partner_applications_reviewed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_applications")),
    )
    op.create_index(op.f("ix_partner_applications_email"), "partner_applications", ["email"])
    op.create_index(op.f("ix_partner_applications_domain"), "partner_applications", ["domain"])
    op.create_index(op.f("ix_partner_applications_status"), "partner_applications", ["status"])
    op.create_index(
        op.f("ix_partner_applications_prospect_id"), "partner_applications", ["prospect_id"]
    )
    op.create_index(
        op.f("ix_partner_applications_created_at"), "partner_applications", ["created_at"]
    )

    op.create_table(
        "journey_enrollments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("prospect_id", sa.Integer(), nullable=True),
        sa.Column("step_id", sa.String(length=40), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("exit_reason", sa.String(length=20), nullable=False),
        sa.Column("next_run_at", sa.DateTime(), nullable=True),
        sa.Column("step_started_at", sa.DateTime(), nullable=True),
        sa.Column("waiting_on", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("goal_reached_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["journey_id"],
            ["journeys.id"],
            name=op.f("fk_journey_enrollments_journey_id_journeys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["journey_versions.id"],
            name=op.f("fk_journey_enrollments_version_id_journey_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_journey_enrollments_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prospect_id"],
            ["prospects.id"],
            name=op.f("fk_journey_enrollments_prospect_id_prospects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_enrollments")),
    )
    op.create_index(
        "ix_journey_enrollments_state_next_run_at",
        "journey_enrollments",
        ["state", "next_run_at"],
    )
    op.create_index(
        "ix_journey_enrollments_partner_state", "journey_enrollments", ["partner_id", "state"]
    )
    op.create_index(
        "ix_journey_enrollments_prospect_state", "journey_enrollments", ["prospect_id", "state"]
    )
    op.create_index(
        "ix_journey_enrollments_journey_state", "journey_enrollments", ["journey_id", "state"]
    )

    op.create_table(
        "journey_step_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=60), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("ran_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["journey_enrollments.id"],
            name=op.f("fk_journey_step_runs_enrollment_id_journey_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["journey_id"],
            ["journeys.id"],
            name=op.f("fk_journey_step_runs_journey_id_journeys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_step_runs")),
        sa.UniqueConstraint(
            "enrollment_id", "seq", name=op.f("uq_journey_step_runs_enrollment_id")
        ),
    )
    op.create_index(
        "ix_journey_step_runs_journey_step", "journey_step_runs", ["journey_id", "step_id"]
    )

    op.create_table(
        "journey_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("prospect_id", sa.Integer(), nullable=True),
        sa.Column("mail_message_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=True),
        sa.Column("opens", sa.Integer(), nullable=False),
        sa.Column("opened_by_proxy", sa.Boolean(), nullable=False),
        sa.Column("clicked_at", sa.DateTime(), nullable=True),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("unsubscribed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["journey_enrollments.id"],
            name=op.f("fk_journey_sends_enrollment_id_journey_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["journey_id"],
            ["journeys.id"],
            name=op.f("fk_journey_sends_journey_id_journeys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_journey_sends_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prospect_id"],
            ["prospects.id"],
            name=op.f("fk_journey_sends_prospect_id_prospects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mail_message_id"],
            ["mail_messages.id"],
            name=op.f("fk_journey_sends_mail_message_id_mail_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_sends")),
        sa.UniqueConstraint("key", name=op.f("uq_journey_sends_key")),
    )
    op.create_index("ix_journey_sends_journey_step", "journey_sends", ["journey_id", "step_id"])
    op.create_index("ix_journey_sends_to_sent", "journey_sends", ["to_address", "sent_at"])
    op.create_index(op.f("ix_journey_sends_enrollment_id"), "journey_sends", ["enrollment_id"])
    op.create_index(op.f("ix_journey_sends_partner_id"), "journey_sends", ["partner_id"])
    op.create_index(op.f("ix_journey_sends_prospect_id"), "journey_sends", ["prospect_id"])


def downgrade() -> None:
    op.drop_table("journey_sends")
    op.drop_table("journey_step_runs")
    op.drop_table("journey_enrollments")
    op.drop_table("partner_applications")
    op.drop_table("prospects")
    with op.batch_alter_table("journeys", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_journeys_current_version_id_journey_versions"), type_="foreignkey"
        )
    op.drop_table("journey_versions")
    op.drop_table("journeys")
    op.drop_table("partner_events")
