"""Contracts, payments and refund applications (заявления о возврате денежных средств)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cabinet_api.crypto import SEALED_PREFIX, DataCipher
from cabinet_api.db import Database
from cabinet_api.models import Client, Contract, Payment, PayoutKind, Refund, RefundStatus
from cabinet_api.payouts import (
    PayoutDetails,
    mask_account,
    mask_card,
    validate_account,
    validate_bik,
    validate_card,
    validate_holder,
)
from cabinet_api.services.counters import next_value
from cabinet_api.services.errors import InvalidTransition, RefundAmountExceeded, UnknownClient
from cabinet_api.services.money import to_kopecks, to_roubles
from cabinet_api.services.ownership import by_public_id, owned
from cabinet_api.services.views import PaymentView, RefundView

REFUND_COUNTER = "refund"
REFUND_NUMBER_PREFIX = "В-"
REASON_MAX_LENGTH = 2000
REFUND_MOVES: Mapping[RefundStatus, frozenset[RefundStatus]] = {
    RefundStatus.SUBMITTED: frozenset({RefundStatus.IN_REVIEW}),
    RefundStatus.IN_REVIEW: frozenset({RefundStatus.APPROVED, RefundStatus.REJECTED}),
    RefundStatus.APPROVED: frozenset({RefundStatus.PAID}),
    RefundStatus.REJECTED: frozenset(),
    RefundStatus.PAID: frozenset(),
}


def refund_number(number: int) -> str:
    return f"{REFUND_NUMBER_PREFIX}{number:06d}"


def _masked_payout(refund: Refund, cipher: DataCipher) -> str:
    if refund.payout_kind == PayoutKind.CARD:
        return mask_card(cipher.open(refund.card or ""))
    return mask_account(cipher.open(refund.account or ""))


def _refund_view(refund: Refund, payment: Payment, contract: Contract, cipher: DataCipher) -> RefundView:
    return RefundView(
        public_id=refund.public_id,
        number=refund_number(refund.number),
        client_id=refund.client_id,
        payment_public_id=payment.public_id,
        contract_title=contract.title,
        amount=to_roubles(refund.amount_kopecks),
        reason=refund.reason,
        payout_kind=refund.payout_kind,
        payout_masked=_masked_payout(refund, cipher),
        status=refund.status,
        channel=refund.channel,
        created_at=refund.created_at,
        updated_at=refund.updated_at,
    )


async def _claimed_kopecks(session: AsyncSession, payment_id: int) -> int:
    """What refund applications still standing (not rejected) already ask back from the payment."""
    claimed = await session.scalar(
        select(func.coalesce(func.sum(Refund.amount_kopecks), 0)).where(
            Refund.payment_id == payment_id, Refund.status != RefundStatus.REJECTED.value
        )
    )
    return int(claimed or 0)


async def _payment_view(session: AsyncSession, payment: Payment, contract: Contract) -> PaymentView:
    left = payment.amount_kopecks - await _claimed_kopecks(session, payment.id) if payment.refundable else 0
    return PaymentView(
        public_id=payment.public_id,
        contract_public_id=contract.public_id,
        contract_title=contract.title,
        amount=to_roubles(payment.amount_kopecks),
        paid_at=payment.paid_at,
        refundable_amount=to_roubles(max(left, 0)),
    )


def _checked_payout(payout: PayoutDetails) -> tuple[PayoutKind, str, str | None, str | None, str | None]:
    """Checked again here: the service stores nothing that would not pass the in-chat validation."""
    kind = PayoutKind(payout.kind)
    holder = validate_holder(payout.holder)
    if kind is PayoutKind.CARD:
        return kind, holder, None, None, validate_card(payout.card or "")
    bik = validate_bik(payout.bik or "")
    return kind, holder, bik, validate_account(bik, payout.account or ""), None


class PaymentService:
    """Payout numbers are sealed with ``cipher`` before they are stored."""

    def __init__(self, db: Database, clock: Callable[[], datetime], cipher: DataCipher | None = None) -> None:
        self._db = db
        self._clock = clock
        self._cipher = cipher or DataCipher.development()

    def _sealed(self, value: str | None) -> str | None:
        return self._cipher.seal(value) if value is not None else None

    async def add_contract(self, client_id: int, *, title: str) -> str:
        """A new contract's public id."""
        async with self._db.session() as session:
            if await session.get(Client, client_id) is None:
                raise UnknownClient(client_id)
            contract = Contract(client_id=client_id, title=title.strip(), created_at=self._clock())
            session.add(contract)
            await session.flush()
            return contract.public_id

    async def add_payment(
        self, client_id: int, contract_id: str, *, amount: Decimal, paid_at: datetime, refundable: bool = True
    ) -> PaymentView:
        kopecks = to_kopecks(amount)
        async with self._db.session() as session:
            contract = await owned(session, Contract, "contract", contract_id, client_id)
            payment = Payment(
                client_id=client_id,
                contract_id=contract.id,
                amount_kopecks=kopecks,
                refundable=refundable,
                paid_at=paid_at,
            )
            session.add(payment)
            await session.flush()
            return await _payment_view(session, payment, contract)

    async def list_payments(self, client_id: int) -> list[PaymentView]:
        """Newest first."""
        async with self._db.session() as session:
            rows = await session.execute(
                select(Payment, Contract)
                .join(Contract, Payment.contract_id == Contract.id)
                .where(Payment.client_id == client_id)
                .order_by(Payment.paid_at.desc(), Payment.id.desc())
            )
            return [await _payment_view(session, payment, contract) for payment, contract in rows.all()]

    async def create_refund(
        self,
        client_id: int,
        *,
        payment_id: str,
        reason: str,
        amount: Decimal,
        payout: PayoutDetails,
        channel: str,
    ) -> RefundView:
        """Raises RefundAmountExceeded above what is left to refund, InvalidPayout for bad details."""
        reason = reason.strip()
        if not reason or len(reason) > REASON_MAX_LENGTH:
            raise ValueError(f"reason must be 1..{REASON_MAX_LENGTH} characters")
        kopecks = to_kopecks(amount)
        kind, holder, bik, account, card = _checked_payout(payout)
        now = self._clock()
        async with self._db.session() as session:
            payment = await owned(session, Payment, "payment", payment_id, client_id, for_update=True)
            left = payment.amount_kopecks - await _claimed_kopecks(session, payment.id)
            if not payment.refundable or kopecks > left:
                raise RefundAmountExceeded(to_roubles(max(left, 0) if payment.refundable else 0))
            refund = Refund(
                number=await next_value(session, REFUND_COUNTER, is_sqlite=self._db.is_sqlite),
                client_id=client_id,
                payment_id=payment.id,
                reason=reason,
                amount_kopecks=kopecks,
                payout_kind=kind.value,
                holder=holder,
                bik=bik,
                account=self._sealed(account),
                card=self._sealed(card),
                status=RefundStatus.SUBMITTED.value,
                channel=channel,
                created_at=now,
                updated_at=now,
            )
            session.add(refund)
            await session.flush()
            contract = await session.get_one(Contract, payment.contract_id)
            return _refund_view(refund, payment, contract, self._cipher)

    async def list_refunds(self, client_id: int) -> list[RefundView]:
        """Newest first."""
        async with self._db.session() as session:
            rows = await session.execute(
                select(Refund, Payment, Contract)
                .join(Payment, Refund.payment_id == Payment.id)
                .join(Contract, Payment.contract_id == Contract.id)
                .where(Refund.client_id == client_id)
                .order_by(Refund.created_at.desc(), Refund.id.desc())
            )
            return [
                _refund_view(refund, payment, contract, self._cipher)
                for refund, payment, contract in rows.all()
            ]

    async def get_refund(self, public_id: str) -> RefundView:
        async with self._db.session() as session:
            refund = await by_public_id(session, Refund, "refund", public_id)
            return await self._view_of(session, refund)

    async def change_refund_status(self, public_id: str, status: str) -> RefundView:
        wanted = RefundStatus(status)
        async with self._db.session() as session:
            refund = await by_public_id(session, Refund, "refund", public_id, for_update=True)
            current = RefundStatus(refund.status)
            if wanted not in REFUND_MOVES[current]:
                raise InvalidTransition("refund", current.value, wanted.value)
            refund.status = wanted.value
            refund.updated_at = self._clock()
            await session.flush()
            return await self._view_of(session, refund)

    async def payout_details(self, public_id: str) -> PayoutDetails:
        """The full payout details, decrypted: for paying the refund, never for showing it."""
        async with self._db.session() as session:
            refund = await by_public_id(session, Refund, "refund", public_id)
            return PayoutDetails(
                kind="card" if refund.payout_kind == PayoutKind.CARD else "account",
                holder=refund.holder,
                bik=refund.bik,
                account=self._cipher.open(refund.account) if refund.account is not None else None,
                card=self._cipher.open(refund.card) if refund.card is not None else None,
            )

    async def seal_plaintext_payouts(self) -> int:
        """Encrypt payout numbers stored before encryption existed; how many refunds it sealed."""
        sealed = 0
        async with self._db.session() as session:
            plain_account = Refund.account.is_not(None) & Refund.account.not_like(f"{SEALED_PREFIX}%")
            plain_card = Refund.card.is_not(None) & Refund.card.not_like(f"{SEALED_PREFIX}%")
            plain = select(Refund).where(plain_account | plain_card).with_for_update()
            for refund in await session.scalars(plain):
                changed = False
                if refund.account is not None and not self._cipher.is_sealed(refund.account):
                    refund.account, changed = self._cipher.seal(refund.account), True
                if refund.card is not None and not self._cipher.is_sealed(refund.card):
                    refund.card, changed = self._cipher.seal(refund.card), True
                sealed += changed
        return sealed

    async def _view_of(self, session: AsyncSession, refund: Refund) -> RefundView:
        payment = await session.get_one(Payment, refund.payment_id)
        contract = await session.get_one(Contract, payment.contract_id)
        return _refund_view(refund, payment, contract, self._cipher)
