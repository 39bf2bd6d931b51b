"""Accepted inbound events: the durable record of what a webhook answered 200 for.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "accepted_inbound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=False),
        sa.Column("conversation_key", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("accepted_at", TIMESTAMP, nullable=False),
        sa.Column("handled_at", TIMESTAMP, nullable=True),
        sa.Column("requeued_at", TIMESTAMP, nullable=True),
        sa.Column("requeues", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accepted_inbound")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_accepted_inbound_dedupe_key")),
    )
    unhandled = sa.text("handled_at IS NULL")
    op.create_index(
        "ix_accepted_inbound_unhandled_by_conversation",
        "accepted_inbound",
        ["conversation_key", "id"],
        postgresql_where=unhandled,
        sqlite_where=unhandled,
    )
    op.create_index(
        "ix_accepted_inbound_unhandled_by_age",
        "accepted_inbound",
        ["accepted_at"],
        postgresql_where=unhandled,
        sqlite_where=unhandled,
    )
    op.create_index("ix_accepted_inbound_handled_at", "accepted_inbound", ["handled_at"])


def downgrade() -> None:
    op.drop_table("accepted_inbound")
