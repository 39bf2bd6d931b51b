"""Refund payout numbers are kept encrypted: their columns widen to hold the ciphertext.

Rows written before are encrypted at start-up by ``PaymentService.seal_plaintext_payouts`` (the
key is a setting the migration does not see); until then they are read as they are.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED_LENGTH = 255


def upgrade() -> None:
    with op.batch_alter_table("refunds") as table:
        table.alter_column("account", type_=sa.String(SEALED_LENGTH), existing_type=sa.String(20))
        table.alter_column("card", type_=sa.String(SEALED_LENGTH), existing_type=sa.String(19))


def downgrade() -> None:
    """Only possible once the numbers are decrypted again; ciphertext does not fit the old columns."""
    with op.batch_alter_table("refunds") as table:
        table.alter_column("account", type_=sa.String(20), existing_type=sa.String(SEALED_LENGTH))
        table.alter_column("card", type_=sa.String(19), existing_type=sa.String(SEALED_LENGTH))
