"""Refund applications (заявления о возврате) in the chat.

The flow asks one field at a time and runs ``validate_refund`` after each answer: the first invalid
field is named to the client, cleared, and put in ``refund_invalid`` so the flow asks it again.
Nothing is stored until ``submit_refund``; full account and card numbers are never said back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from adapters.action_protocol import RecordsPage, custom_payload
from cabinet_api.actions.base import CabinetAction, Events, Rejected, channel_of, locale_of, text_slot
from cabinet_api.actions.formatting import format_date, format_money
from cabinet_api.payouts import (
    InvalidPayout,
    PayoutDetails,
    mask_account,
    mask_card,
    validate_account,
    validate_bik,
    validate_card,
    validate_holder,
)
from cabinet_api.services.errors import RefundAmountExceeded
from cabinet_api.services.views import PaymentView, RefundView

SENSITIVE_SLOTS = ("refund_bik", "refund_account", "refund_card", "refund_holder")
REFUND_SLOTS = ("refund_payment", "refund_reason", "refund_amount", "refund_payout_kind", *SENSITIVE_SLOTS)
REFUNDS_SHOWN = 10
_AMOUNT_NOISE = re.compile(r"[\s\u00a0₽]|руб(лей|ля|ль)?\.?|rub\.?|р\.", re.IGNORECASE)
_AMOUNT = re.compile(r"\d+(\.\d+)?")


class InvalidField(Exception):
    def __init__(self, field: str, reason: str, **params: Any) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.params = params


def parse_amount(raw: str) -> Decimal:
    """``"1 500,50 ₽"`` -> ``Decimal("1500.50")``; InvalidField("amount", reason) otherwise."""
    compact = _AMOUNT_NOISE.sub("", raw).replace(",", ".")
    if not _AMOUNT.fullmatch(compact):
        raise InvalidField("amount", "format")
    amount = Decimal(compact)
    if amount <= 0:
        raise InvalidField("amount", "positive")
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidField("amount", "precision")
    return amount.quantize(Decimal("0.01"))


def _refundable(payments: list[PaymentView]) -> list[PaymentView]:
    return [payment for payment in payments if payment.refundable_amount > 0]


class ListRefundablePaymentsAction(CabinetAction):
    """Every payment that can still be refunded, as records for a list ask (``id`` is the payment's
    public id; ``contract``, ``amount``, ``date``); the engine pages them."""

    def name(self) -> str:
        return "list_refundable_payments"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        locale = locale_of(tracker)
        records = [
            {
                "id": payment.public_id,
                "contract": payment.contract_title,
                "amount": format_money(payment.amount, locale),
                "date": format_date(payment.paid_at),
            }
            for payment in _refundable(await self.cabinet.payments.list_payments(client_id))
        ]
        dispatcher.utter_message(json_message=custom_payload(records=RecordsPage(items=tuple(records))))
        return []


@dataclass(frozen=True, slots=True)
class _Field:
    slot: str
    check: Callable[[Tracker, dict[str, Any]], Any]


class ValidateRefundAction(CabinetAction):
    """Check every refund slot given so far, in the order the flow asks them.

    Sets the normalized values and what the summary shows (``refund_contract``, ``refund_max_shown``,
    ``refund_amount_shown``, ``refund_number_masked``) and ``refund_invalid`` (None when all is well).
    """

    sets_slots = frozenset(
        {
            *REFUND_SLOTS,
            "refund_invalid",
            "refund_contract",
            "refund_max_shown",
            "refund_amount_shown",
            "refund_number_masked",
        }
    )

    def name(self) -> str:
        return "validate_refund"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        shown: dict[str, Any] = {"locale": locale_of(tracker)}
        payment_id = tracker.get_slot("refund_payment")
        if payment_id is not None:
            payments = {
                payment.public_id: payment for payment in await self.cabinet.payments.list_payments(client_id)
            }
            shown["payment"] = payments.get(str(payment_id))
        events: Events = []
        for field in _FIELDS:
            value = tracker.get_slot(field.slot)
            if value is None:
                continue
            try:
                normalized = field.check(tracker, shown)
            except InvalidField as invalid:
                return self._invalid(
                    dispatcher, events, field.slot, invalid.field, invalid.reason, invalid.params
                )
            except InvalidPayout as invalid:
                return self._invalid(dispatcher, events, field.slot, invalid.field, invalid.reason, {})
            events.append(SlotSet(field.slot, normalized))
        return [*events, *_summary(shown), SlotSet("refund_invalid", None)]

    @staticmethod
    def _invalid(
        dispatcher: CollectingDispatcher,
        events: Events,
        slot: str,
        field: str,
        reason: str,
        params: dict[str, Any],
    ) -> Events:
        dispatcher.utter_message(response=f"refund.invalid.{field}.{reason}", **params)
        return [*events, SlotSet(slot, None), SlotSet("refund_invalid", field)]


def _check_payment(tracker: Tracker, shown: dict[str, Any]) -> str:
    payment: PaymentView | None = shown.get("payment")
    if payment is None or payment.refundable_amount <= 0:
        raise InvalidField("payment", "unavailable")
    shown["max"] = format_money(payment.refundable_amount, shown["locale"])
    shown["contract"] = payment.contract_title
    return payment.public_id


def _check_amount(tracker: Tracker, shown: dict[str, Any]) -> str:
    amount = parse_amount(str(tracker.get_slot("refund_amount")))
    payment: PaymentView | None = shown.get("payment")
    if payment is not None and amount > payment.refundable_amount:
        raise InvalidField("amount", "too_much", max=shown["max"])
    shown["amount"] = format_money(amount, shown["locale"])
    return str(amount)


def _check_kind(tracker: Tracker, shown: dict[str, Any]) -> str:
    kind = str(tracker.get_slot("refund_payout_kind"))
    if kind not in ("account", "card"):
        raise InvalidField("kind", "unknown")
    return kind


def _check_bik(tracker: Tracker, shown: dict[str, Any]) -> str:
    return validate_bik(str(tracker.get_slot("refund_bik")))


def _check_account(tracker: Tracker, shown: dict[str, Any]) -> str:
    bik = tracker.get_slot("refund_bik")
    account = str(tracker.get_slot("refund_account"))
    number = validate_account(str(bik), account) if bik is not None else account
    shown["number"] = mask_account(number)
    return number


def _check_card(tracker: Tracker, shown: dict[str, Any]) -> str:
    number = validate_card(str(tracker.get_slot("refund_card")))
    shown["number"] = mask_card(number)
    return number


def _check_holder(tracker: Tracker, shown: dict[str, Any]) -> str:
    return validate_holder(str(tracker.get_slot("refund_holder")))


_FIELDS = (
    _Field("refund_payment", _check_payment),
    _Field("refund_amount", _check_amount),
    _Field("refund_payout_kind", _check_kind),
    _Field("refund_bik", _check_bik),
    _Field("refund_account", _check_account),
    _Field("refund_card", _check_card),
    _Field("refund_holder", _check_holder),
)


def _summary(shown: dict[str, Any]) -> Events:
    return [
        SlotSet("refund_contract", shown.get("contract")),
        SlotSet("refund_max_shown", shown.get("max")),
        SlotSet("refund_amount_shown", shown.get("amount")),
        SlotSet("refund_number_masked", shown.get("number")),
    ]


def payout_from(tracker: Tracker) -> PayoutDetails:
    holder = text_slot(tracker, "refund_holder")
    if tracker.get_slot("refund_payout_kind") == "card":
        return PayoutDetails.to_card(holder=holder, card=text_slot(tracker, "refund_card"))
    return PayoutDetails.to_account(
        holder=holder, bik=text_slot(tracker, "refund_bik"), account=text_slot(tracker, "refund_account")
    )


class SubmitRefundAction(CabinetAction):
    """File the application from the validated slots: sets ``refund_number`` and ``refund_status``
    and forgets the payout details (they now live only in the cabinet)."""

    sets_slots = frozenset({"refund_number", "refund_status", *SENSITIVE_SLOTS, "refund_number_masked"})

    def name(self) -> str:
        return "submit_refund"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        try:
            refund = await self.cabinet.payments.create_refund(
                client_id,
                payment_id=text_slot(tracker, "refund_payment"),
                reason=text_slot(tracker, "refund_reason"),
                amount=parse_amount(text_slot(tracker, "refund_amount")),
                payout=payout_from(tracker),
                channel=channel_of(tracker),
            )
        except RefundAmountExceeded as exceeded:
            raise Rejected(
                "refund.invalid.amount.too_much", max=format_money(exceeded.refundable, locale_of(tracker))
            ) from exceeded
        except (InvalidField, InvalidPayout) as invalid:
            raise Rejected("refund.incomplete") from invalid
        forget = [SlotSet(slot, None) for slot in (*SENSITIVE_SLOTS, "refund_number_masked")]
        return [SlotSet("refund_number", refund.number), SlotSet("refund_status", refund.status), *forget]


def _application(refund: RefundView, locale: str) -> dict[str, Any]:
    return {
        "number": refund.number,
        "status": refund.status,
        "amount": format_money(refund.amount, locale),
        "contract": refund.contract_title,
        "date": format_date(refund.created_at),
        "payout": refund.payout_masked,
    }


class ListRefundsAction(CabinetAction):
    """The client's applications, newest first, in the ``refunds`` slot for the flow to show."""

    sets_slots = frozenset({"refunds"})

    def name(self) -> str:
        return "list_refunds"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        refunds = await self.cabinet.payments.list_refunds(client_id)
        if not refunds:
            raise Rejected("refund.no_applications")
        locale = locale_of(tracker)
        return [SlotSet("refunds", [_application(refund, locale) for refund in refunds[:REFUNDS_SHOWN]])]
