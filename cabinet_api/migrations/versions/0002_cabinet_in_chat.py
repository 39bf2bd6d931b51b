"""The cabinet in chat: contracts, payments, request events, answers, refunds, recordings, ratings, tasks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-15 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _public_id() -> sa.Column[str]:
    return sa.Column("public_id", sa.String(length=32), nullable=False)


def _client_fk(table: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["client_id"], ["clients.id"], name=op.f(f"fk_{table}_client_id_clients"), ondelete=ondelete
    )


def _keys(table: str) -> list[sa.Constraint]:
    return [
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("public_id", name=op.f(f"uq_{table}_public_id")),
    ]


def upgrade() -> None:
    op.add_column("requests", sa.Column("lawyer", sa.String(length=255), nullable=True))

    op.create_table(
        "contracts",
        _id(),
        _public_id(),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        _client_fk("contracts"),
        *_keys("contracts"),
    )
    op.create_index(op.f("ix_contracts_client_id"), "contracts", ["client_id"])

    op.create_table(
        "payments",
        _id(),
        _public_id(),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("amount_kopecks", sa.BigInteger(), nullable=False),
        sa.Column("refundable", sa.Boolean(), nullable=False),
        sa.Column("paid_at", TIMESTAMP, nullable=False),
        _client_fk("payments"),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_payments_contract_id_contracts"),
            ondelete="CASCADE",
        ),
        *_keys("payments"),
    )
    op.create_index(op.f("ix_payments_client_id"), "payments", ["client_id"])
    op.create_index(op.f("ix_payments_contract_id"), "payments", ["contract_id"])

    op.create_table(
        "request_events",
        _id(),
        _public_id(),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("file", sa.JSON(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_request_events_request_id_requests"),
            ondelete="CASCADE",
        ),
        *_keys("request_events"),
    )
    op.create_index("ix_request_events_timeline", "request_events", ["request_id", "id"])

    op.create_table(
        "answers",
        _id(),
        _public_id(),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("lawyer", sa.String(length=255), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("audio", sa.JSON(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_answers_request_id_requests"), ondelete="CASCADE"
        ),
        *_keys("answers"),
    )
    op.create_index(op.f("ix_answers_request_id"), "answers", ["request_id"])

    op.create_table(
        "refunds",
        _id(),
        _public_id(),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("amount_kopecks", sa.BigInteger(), nullable=False),
        sa.Column("payout_kind", sa.String(length=16), nullable=False),
        sa.Column("holder", sa.String(length=255), nullable=False),
        sa.Column("bik", sa.String(length=9), nullable=True),
        sa.Column("account", sa.String(length=20), nullable=True),
        sa.Column("card", sa.String(length=19), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        _client_fk("refunds"),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_refunds_payment_id_payments"), ondelete="CASCADE"
        ),
        *_keys("refunds"),
        sa.UniqueConstraint("number", name=op.f("uq_refunds_number")),
    )
    op.create_index(op.f("ix_refunds_client_id"), "refunds", ["client_id"])
    op.create_index(op.f("ix_refunds_payment_id"), "refunds", ["payment_id"])

    op.create_table(
        "recordings",
        _id(),
        _public_id(),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("client_phone", sa.String(length=32), nullable=False),
        sa.Column("lawyer", sa.String(length=255), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("file_key", sa.String(length=255), nullable=False),
        sa.Column("mime", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        _client_fk("recordings", ondelete="SET NULL"),
        *_keys("recordings"),
    )
    op.create_index("ix_recordings_client_started", "recordings", ["client_id", "started_at"])
    op.create_index(op.f("ix_recordings_client_phone"), "recordings", ["client_phone"])

    op.create_table(
        "ratings",
        _id(),
        _public_id(),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("scale", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        _client_fk("ratings"),
        *_keys("ratings"),
        sa.UniqueConstraint(
            "subject", "subject_id", "scale", name=op.f("uq_ratings_subject_subject_id_scale")
        ),
    )
    op.create_index(op.f("ix_ratings_client_id"), "ratings", ["client_id"])

    op.create_table(
        "follow_up_tasks",
        _id(),
        _public_id(),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", TIMESTAMP, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("closed_at", TIMESTAMP, nullable=True),
        _client_fk("follow_up_tasks"),
        sa.ForeignKeyConstraint(
            ["rating_id"],
            ["ratings.id"],
            name=op.f("fk_follow_up_tasks_rating_id_ratings"),
            ondelete="CASCADE",
        ),
        *_keys("follow_up_tasks"),
        sa.UniqueConstraint("rating_id", name=op.f("uq_follow_up_tasks_rating_id")),
    )
    op.create_index(op.f("ix_follow_up_tasks_client_id"), "follow_up_tasks", ["client_id"])
    op.create_index(op.f("ix_follow_up_tasks_status"), "follow_up_tasks", ["status"])


def downgrade() -> None:
    for table in (
        "follow_up_tasks",
        "ratings",
        "recordings",
        "refunds",
        "answers",
        "request_events",
        "payments",
        "contracts",
    ):
        op.drop_table(table)
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("lawyer")
