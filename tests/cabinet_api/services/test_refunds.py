from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from decimal import Decimal

import pytest

from cabinet_api import CabinetServices
from cabinet_api.payouts import InvalidPayout, PayoutDetails
from cabinet_api.services import InvalidTransition, NotOwned, RefundAmountExceeded
from tests.cabinet_api.conftest import START

BIK = "044525225"
ACCOUNT = "40817810700000000001"
CARD = "4111111111111111"
TO_ACCOUNT = PayoutDetails.to_account(holder="Анна Петрова", bik=BIK, account=ACCOUNT)
TO_CARD = PayoutDetails.to_card(holder="Анна Петрова", card=CARD)


async def _payment(
    cabinet: CabinetServices, client_id: int, amount: str = "12000.00", *, refundable: bool = True
) -> str:
    contract = await cabinet.payments.add_contract(client_id, title="Абонентское обслуживание")
    payment = await cabinet.payments.add_payment(
        client_id, contract, amount=Decimal(amount), paid_at=START - timedelta(days=3), refundable=refundable
    )
    return payment.public_id


async def test_payments_show_what_is_left_to_refund(cabinet: CabinetServices, anna: int) -> None:
    refundable = await _payment(cabinet, anna)
    await _payment(cabinet, anna, "3000.00", refundable=False)

    await cabinet.payments.create_refund(
        anna,
        payment_id=refundable,
        reason="Не нужна услуга",
        amount=Decimal("2000.50"),
        payout=TO_CARD,
        channel="telegram",
    )
    payments = {payment.public_id: payment for payment in await cabinet.payments.list_payments(anna)}

    assert payments[refundable].amount == Decimal("12000.00")
    assert payments[refundable].refundable_amount == Decimal("9999.50")
    assert payments[refundable].contract_title == "Абонентское обслуживание"
    assert [
        payment.refundable_amount for payment in payments.values() if payment.public_id != refundable
    ] == [Decimal("0.00")]


async def test_a_refund_gets_a_number_a_status_and_masked_details(
    cabinet: CabinetServices, anna: int, caplog: pytest.LogCaptureFixture
) -> None:
    payment = await _payment(cabinet, anna)
    with caplog.at_level(logging.INFO):
        first = await cabinet.payments.create_refund(
            anna,
            payment_id=payment,
            reason="Передумала",
            amount=Decimal("1000"),
            payout=TO_ACCOUNT,
            channel="viber",
        )
        second = await cabinet.payments.create_refund(
            anna, payment_id=payment, reason="Ещё", amount=Decimal("10"), payout=TO_CARD, channel="whatsapp"
        )

    assert (first.number, second.number) == ("В-000001", "В-000002")
    assert first.status == "submitted"
    assert (first.payout_kind, first.payout_masked) == ("account", "**** 0001")
    assert second.payout_masked == "**** 1111"
    assert ACCOUNT not in repr(first)
    assert CARD not in repr(second)
    assert ACCOUNT not in caplog.text
    assert CARD not in caplog.text
    assert [refund.number for refund in await cabinet.payments.list_refunds(anna)] == ["В-000002", "В-000001"]


async def test_more_than_is_left_is_refused_with_the_limit(cabinet: CabinetServices, anna: int) -> None:
    payment = await _payment(cabinet, anna, "500.00")
    not_refundable = await _payment(cabinet, anna, "500.00", refundable=False)

    with pytest.raises(RefundAmountExceeded) as too_much:
        await cabinet.payments.create_refund(
            anna,
            payment_id=payment,
            reason="Причина",
            amount=Decimal("500.01"),
            payout=TO_CARD,
            channel="web",
        )
    assert too_much.value.refundable == Decimal("500.00")
    with pytest.raises(RefundAmountExceeded):
        await cabinet.payments.create_refund(
            anna,
            payment_id=not_refundable,
            reason="Причина",
            amount=Decimal("1"),
            payout=TO_CARD,
            channel="web",
        )
    for bad in ("0", "-5", "1.001"):
        with pytest.raises(ValueError, match="amount"):
            await cabinet.payments.create_refund(
                anna, payment_id=payment, reason="Причина", amount=Decimal(bad), payout=TO_CARD, channel="web"
            )
    assert await cabinet.payments.list_refunds(anna) == []


async def test_concurrent_refunds_never_exceed_the_payment(cabinet: CabinetServices, anna: int) -> None:
    payment = await _payment(cabinet, anna, "1000.00")

    async def claim() -> bool:
        try:
            await cabinet.payments.create_refund(
                anna,
                payment_id=payment,
                reason="Причина",
                amount=Decimal("400"),
                payout=TO_CARD,
                channel="web",
            )
        except RefundAmountExceeded:
            return False
        return True

    results = await asyncio.gather(*(claim() for _ in range(4)))

    assert results.count(True) == 2
    assert (await cabinet.payments.list_payments(anna))[0].refundable_amount == Decimal("200.00")


async def test_invalid_payout_details_are_refused_by_the_service_too(
    cabinet: CabinetServices, anna: int
) -> None:
    payment = await _payment(cabinet, anna)
    forged = PayoutDetails(kind="account", holder="Анна Петрова", bik=BIK, account="40817810000000000001")

    with pytest.raises(InvalidPayout) as invalid:
        await cabinet.payments.create_refund(
            anna, payment_id=payment, reason="Причина", amount=Decimal("1"), payout=forged, channel="web"
        )
    assert invalid.value.field == "account"
    assert await cabinet.payments.list_refunds(anna) == []


async def test_another_clients_payment_is_refused(cabinet: CabinetServices, anna: int, boris: int) -> None:
    payment = await _payment(cabinet, anna)
    with pytest.raises(NotOwned):
        await cabinet.payments.create_refund(
            boris, payment_id=payment, reason="Причина", amount=Decimal("1"), payout=TO_CARD, channel="web"
        )


async def test_refund_statuses_follow_the_review(cabinet: CabinetServices, anna: int) -> None:
    payment = await _payment(cabinet, anna)
    refund = await cabinet.payments.create_refund(
        anna, payment_id=payment, reason="Причина", amount=Decimal("100"), payout=TO_CARD, channel="web"
    )

    with pytest.raises(InvalidTransition):
        await cabinet.payments.change_refund_status(refund.public_id, "paid")
    for status in ("in_review", "approved", "paid"):
        assert (await cabinet.payments.change_refund_status(refund.public_id, status)).status == status

    rejected = await cabinet.payments.create_refund(
        anna, payment_id=payment, reason="Причина", amount=Decimal("100"), payout=TO_CARD, channel="web"
    )
    await cabinet.payments.change_refund_status(rejected.public_id, "in_review")
    await cabinet.payments.change_refund_status(rejected.public_id, "rejected")
    assert (await cabinet.payments.list_payments(anna))[0].refundable_amount == Decimal("11900.00")
