"""Outgoing messages keep their outbox item until it is finished, so a Redis that restarted empty
cannot lose them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("envelope", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("requeued_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("requeues", sa.Integer(), server_default="0", nullable=False))
    unfinished = sa.text("envelope IS NOT NULL")
    op.create_index(
        "ix_messages_unfinished_out",
        "messages",
        ["id"],
        postgresql_where=unfinished,
        sqlite_where=unfinished,
    )


def downgrade() -> None:
    op.drop_index("ix_messages_unfinished_out", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("requeues")
        batch.drop_column("requeued_at")
        batch.drop_column("envelope")
