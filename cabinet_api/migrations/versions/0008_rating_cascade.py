"""The rating cascade: one request to rate per interaction with its reminder timer, the client's
opt-out of rating requests, and the call back a follow-up task records.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "clients", sa.Column("rating_opt_out", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("follow_up_tasks", sa.Column("called_at", TIMESTAMP, nullable=True))
    op.add_column("follow_up_tasks", sa.Column("outcome", sa.String(length=32), nullable=True))
    op.add_column("follow_up_tasks", sa.Column("handled_by", sa.String(length=64), nullable=True))
    op.create_table(
        "rating_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=True),
        sa.Column("person", sa.String(length=64), nullable=True),
        sa.Column("reply_to", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("call_wanted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("asked_at", TIMESTAMP, nullable=False),
        sa.Column("remind_at", TIMESTAMP, nullable=True),
        sa.Column("reminded_at", TIMESTAMP, nullable=True),
        sa.Column("answered_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_rating_requests_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_requests")),
        sa.UniqueConstraint("subject", "subject_id", name=op.f("uq_rating_requests_subject_subject_id")),
    )
    op.create_index(op.f("ix_rating_requests_client_id"), "rating_requests", ["client_id"])
    op.create_index(op.f("ix_rating_requests_state"), "rating_requests", ["state"])
    op.create_index(op.f("ix_rating_requests_remind_at"), "rating_requests", ["remind_at"])


def downgrade() -> None:
    op.drop_table("rating_requests")
    with op.batch_alter_table("follow_up_tasks") as batch:
        batch.drop_column("handled_by")
        batch.drop_column("outcome")
        batch.drop_column("called_at")
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("rating_opt_out")
