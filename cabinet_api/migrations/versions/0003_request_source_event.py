"""Requests remember the chat event that filed them, so a replayed turn files nothing twice.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("requests", sa.Column("source_event", sa.String(length=200), nullable=True))
    op.create_index("ix_requests_source_event", "requests", ["source_event"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_requests_source_event", table_name="requests")
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("source_event")
