"""Refund payout numbers are encrypted at rest, shown masked, and opened only for paying."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from cabinet_api import CabinetServices, cabinet_services
from cabinet_api.crypto import DataCipher, UnreadableValue
from cabinet_api.db import Database
from cabinet_api.models import Refund
from cabinet_api.payouts import PayoutDetails
from tests.cabinet_api.conftest import START, FakeClock

BIK = "044525225"
ACCOUNT = "40817810700000000001"
CARD = "4111111111111111"
KEY = "first-data-key-" + "k" * 32
NEXT_KEY = "second-data-key-" + "n" * 32


async def _refund(cabinet: CabinetServices, client_id: int, payout: PayoutDetails) -> str:
    contract = await cabinet.payments.add_contract(client_id, title="Абонентское обслуживание")
    payment = await cabinet.payments.add_payment(
        client_id, contract, amount=Decimal("5000"), paid_at=START - timedelta(days=1), refundable=True
    )
    refund = await cabinet.payments.create_refund(
        client_id,
        payment_id=payment.public_id,
        reason="Причина",
        amount=Decimal("100"),
        payout=payout,
        channel="web",
    )
    return refund.public_id


async def _stored(db: Database, public_id: str) -> tuple[str | None, str | None]:
    async with db.session() as session:
        row = (
            await session.execute(select(Refund.account, Refund.card).where(Refund.public_id == public_id))
        ).one()
    return row.account, row.card


@pytest.fixture
def sealed_cabinet(db: Database, clock: FakeClock) -> CabinetServices:
    return cabinet_services(db, clock=clock, cipher=DataCipher.from_setting(KEY))


async def test_numbers_are_stored_encrypted_and_shown_masked(
    sealed_cabinet: CabinetServices, db: Database, anna: int
) -> None:
    to_account = await _refund(
        sealed_cabinet, anna, PayoutDetails.to_account(holder="Анна Петрова", bik=BIK, account=ACCOUNT)
    )
    to_card = await _refund(sealed_cabinet, anna, PayoutDetails.to_card(holder="Анна Петрова", card=CARD))

    account, _ = await _stored(db, to_account)
    _, card = await _stored(db, to_card)
    assert account is not None
    assert card is not None
    assert ACCOUNT not in account
    assert CARD not in card
    assert account.startswith("enc1:")
    views = {view.public_id: view.payout_masked for view in await sealed_cabinet.payments.list_refunds(anna)}
    assert views == {to_account: "**** 0001", to_card: "**** 1111"}
    assert (await sealed_cabinet.payments.payout_details(to_card)).card == CARD
    assert (await sealed_cabinet.payments.payout_details(to_account)).account == ACCOUNT


async def test_rows_from_before_encryption_are_read_and_then_sealed(
    sealed_cabinet: CabinetServices, db: Database, anna: int
) -> None:
    public_id = await _refund(sealed_cabinet, anna, PayoutDetails.to_card(holder="Анна Петрова", card=CARD))
    async with db.session() as session:
        await session.execute(update(Refund).where(Refund.public_id == public_id).values(card=CARD))

    assert (await sealed_cabinet.payments.payout_details(public_id)).card == CARD
    assert await sealed_cabinet.payments.seal_plaintext_payouts() == 1
    assert await sealed_cabinet.payments.seal_plaintext_payouts() == 0
    _, card = await _stored(db, public_id)
    assert card is not None
    assert card.startswith("enc1:")
    assert (await sealed_cabinet.payments.get_refund(public_id)).payout_masked == "**** 1111"


async def test_keys_rotate_and_a_dropped_key_cannot_read(
    sealed_cabinet: CabinetServices, db: Database, clock: FakeClock, anna: int
) -> None:
    public_id = await _refund(sealed_cabinet, anna, PayoutDetails.to_card(holder="Анна Петрова", card=CARD))

    rotating = cabinet_services(db, clock=clock, cipher=DataCipher.from_setting(f"{NEXT_KEY},{KEY}"))
    dropped = cabinet_services(db, clock=clock, cipher=DataCipher.from_setting(NEXT_KEY))

    assert (await rotating.payments.payout_details(public_id)).card == CARD
    with pytest.raises(UnreadableValue):
        await dropped.payments.payout_details(public_id)


def test_a_data_key_is_long() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        DataCipher.from_setting("short")
