"""ticket store: citizens, bindings, services, appeals, incidents, support tickets

Revision ID: 0002_tickets
Revises: 0001_bot
"""

from alembic import op
import sqlalchemy as sa

revision = "0002_tickets"
down_revision = "0001_bot"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "tickets_citizens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=12), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("snils_hash", sa.String(length=64), nullable=True),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets_citizens")),
        sa.UniqueConstraint("phone", name=op.f("uq_tickets_citizens_phone")),
        sa.UniqueConstraint("snils_hash", name=op.f("uq_tickets_citizens_snils_hash")),
    )
    op.create_table(
        "tickets_services",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_tickets_services")),
    )
    op.create_table(
        "tickets_messenger_bindings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("messenger_user_id", sa.String(length=100), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("verified_via", sa.String(length=40), nullable=False),
        _ts("verified_at"),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["tickets_citizens.id"],
            name=op.f("fk_tickets_messenger_bindings_citizen_id_tickets_citizens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets_messenger_bindings")),
        sa.UniqueConstraint(
            "messenger_user_id", name=op.f("uq_tickets_messenger_bindings_messenger_user_id")
        ),
    )
    op.create_index(
        op.f("ix_tickets_messenger_bindings_citizen_id"),
        "tickets_messenger_bindings",
        ["citizen_id"],
    )
    op.create_table(
        "tickets_appeals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        _ts("submitted_at"),
        sa.Column("status", sa.String(length=20), nullable=False),
        _ts("deadline_at"),
        sa.Column("deadline_kind", sa.String(length=20), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["tickets_citizens.id"],
            name=op.f("fk_tickets_appeals_citizen_id_tickets_citizens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets_appeals")),
        sa.UniqueConstraint("number", name=op.f("uq_tickets_appeals_number")),
    )
    op.create_index(op.f("ix_tickets_appeals_citizen_id"), "tickets_appeals", ["citizen_id"])
    op.create_table(
        "tickets_appeal_status_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        _ts("changed_at"),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["tickets_appeals.id"],
            name=op.f("fk_tickets_appeal_status_changes_appeal_id_tickets_appeals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets_appeal_status_changes")),
    )
    op.create_index(
        op.f("ix_tickets_appeal_status_changes_appeal_id"),
        "tickets_appeal_status_changes",
        ["appeal_id"],
    )
    op.create_table(
        "tickets_appeal_subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=100), nullable=False),
        _ts("created_at"),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["tickets_appeals.id"],
            name=op.f("fk_tickets_appeal_subscriptions_appeal_id_tickets_appeals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets_appeal_subscriptions")),
        sa.UniqueConstraint(
            "appeal_id", "sender_id", name=op.f("uq_tickets_appeal_subscriptions_appeal_id")
        ),
    )
    op.create_table(
        "tickets_incidents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        _ts("started_at"),
        _ts("expected_recovery_at", nullable=True),
        sa.Column("public_text", sa.Text(), nullable=False),
        _ts("resolved_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets_incidents")),
    )
    op.create_index(
        op.f("ix_tickets_incidents_service_code"), "tickets_incidents", ["service_code"]
    )
    op.create_table(
        "tickets_support_tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("sender_id", sa.String(length=100), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("error_text", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets_support_tickets")),
        sa.UniqueConstraint("number", name=op.f("uq_tickets_support_tickets_number")),
    )
    op.create_index(
        op.f("ix_tickets_support_tickets_sender_id"), "tickets_support_tickets", ["sender_id"]
    )
    op.create_table(
        "tickets_lookup_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sender_id", sa.String(length=100), nullable=False),
        _ts("at"),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets_lookup_attempts")),
    )
    op.create_index(
        "ix_tickets_lookup_attempts_sender_at", "tickets_lookup_attempts", ["sender_id", "at"]
    )


def downgrade() -> None:
    op.drop_table("tickets_lookup_attempts")
    op.drop_table("tickets_support_tickets")
    op.drop_table("tickets_incidents")
    op.drop_table("tickets_appeal_subscriptions")
    op.drop_table("tickets_appeal_status_changes")
    op.drop_table("tickets_appeals")
    op.drop_table("tickets_messenger_bindings")
    op.drop_table("tickets_services")
    op.drop_table("tickets_citizens")
