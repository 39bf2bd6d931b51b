"""Handoff to people: people, console sessions, failed logins, canned replies, conversations and their
events; outgoing messages say who wrote them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "people",
        _id(),
        sa.Column("login", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("queues", sa.JSON(), nullable=False),
        sa.Column("max_chats", sa.Integer(), server_default="5", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="offline", nullable=False),
        sa.Column("status_changed_at", TIMESTAMP, nullable=False),
        sa.Column("last_seen_at", TIMESTAMP, nullable=True),
        sa.Column("locale", sa.String(length=8), server_default="ru", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        _pk("people"),
        sa.UniqueConstraint("login", name=op.f("uq_people_login")),
    )
    op.create_table(
        "console_sessions",
        _id(),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        _fk("console_sessions", "person_id", "people", "CASCADE"),
        _pk("console_sessions"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_console_sessions_token_hash")),
    )
    op.create_index(op.f("ix_console_sessions_person_id"), "console_sessions", ["person_id"])
    op.create_table(
        "console_login_failures",
        _id(),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        _pk("console_login_failures"),
    )
    op.create_index("ix_console_login_failures_login_at", "console_login_failures", ["login", "at"])
    op.create_index("ix_console_login_failures_address_at", "console_login_failures", ["address", "at"])
    op.create_table(
        "canned_replies",
        _id(),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        _pk("canned_replies"),
    )
    op.create_table(
        "conversations",
        _id(),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("reply_to", sa.JSON(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("queued_at", TIMESTAMP, nullable=False),
        sa.Column("assigned_at", TIMESTAMP, nullable=True),
        sa.Column("first_response_at", TIMESTAMP, nullable=True),
        sa.Column("closed_at", TIMESTAMP, nullable=True),
        sa.Column("closed_reason", sa.String(length=200), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("last_assignee_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("waiting_for", sa.String(length=8), nullable=False),
        sa.Column("unread_count", sa.Integer(), nullable=False),
        sa.Column("last_client_message_at", TIMESTAMP, nullable=True),
        sa.Column("position_told", sa.Integer(), nullable=True),
        sa.Column("position_told_at", TIMESTAMP, nullable=True),
        _fk("conversations", "client_id", "clients", "CASCADE"),
        _fk("conversations", "assignee_id", "people", "SET NULL"),
        _fk("conversations", "last_assignee_id", "people", "SET NULL"),
        _pk("conversations"),
    )
    op.create_index(op.f("ix_conversations_client_id"), "conversations", ["client_id"])
    op.create_index(op.f("ix_conversations_assignee_id"), "conversations", ["assignee_id"])
    op.create_index("ix_conversations_state_queue", "conversations", ["state", "queue"])
    op.create_index(
        "ux_conversations_open_per_client",
        "conversations",
        ["client_id"],
        unique=True,
        postgresql_where=sa.text("state != 'closed'"),
        sqlite_where=sa.text("state != 'closed'"),
    )
    op.create_table(
        "conversation_events",
        _id(),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("at", TIMESTAMP, nullable=False),
        _fk("conversation_events", "conversation_id", "conversations", "CASCADE"),
        _pk("conversation_events"),
    )
    op.create_index(
        op.f("ix_conversation_events_conversation_id"), "conversation_events", ["conversation_id"]
    )
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("author", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_messages_person_id_people"), "people", ["person_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint(op.f("fk_messages_person_id_people"), type_="foreignkey")
        batch.drop_column("person_id")
        batch.drop_column("author")
    op.drop_table("conversation_events")
    op.drop_table("conversations")
    op.drop_table("canned_replies")
    op.drop_table("console_login_failures")
    op.drop_table("console_sessions")
    op.drop_table("people")
