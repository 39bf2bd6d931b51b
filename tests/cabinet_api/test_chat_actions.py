"""The cabinet's in-chat actions against the real cabinet: ownership, refusals, validation, paging."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected
from rasa_sdk.executor import CollectingDispatcher

from cabinet_api import CabinetServices, Database, cabinet_services
from cabinet_api.actions import (
    AddRequestCommentAction,
    CabinetAction,
    CreateRequestAction,
    ListRecordingsAction,
    ListRefundablePaymentsAction,
    ListRefundsAction,
    ListRequestsAction,
    OpenRequestAction,
    RateAnswerAction,
    SendRecordingAction,
    SubmitRefundAction,
    ValidateRefundAction,
    cabinet_actions,
)
from cabinet_api.storage import LocalFileStorage
from dialogs.actions import RemoteActions
from tests.cabinet_api.conftest import START, FakeClock

PHONE = "+79000000001"
OTHER_PHONE = "+79000000002"
SBER_BIK = "044525225"
SBER_ACCOUNT = "40817810938160925982"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cabinet(db: Database, clock: FakeClock, tmp_path: Path) -> CabinetServices:
    return cabinet_services(db, clock=clock, storage=LocalFileStorage(tmp_path / "files"))


@pytest.fixture
async def anna(cabinet: CabinetServices) -> int:
    return await cabinet.clients.ensure_verified_client(PHONE, first_name="Анна")


@pytest.fixture
async def boris(cabinet: CabinetServices) -> int:
    return await cabinet.clients.ensure_verified_client(OTHER_PHONE, first_name="Борис")


async def slots_of(cabinet: CabinetServices, client_id: int, **slots: Any) -> dict[str, Any]:
    public_id = await cabinet.identity.public_id_for(client_id)
    return {"client_id": public_id, "channel": "telegram", "locale": "ru", "phone_verified": True, **slots}


async def run(
    action: CabinetAction, slots: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    tracker = Tracker.from_dict({"sender_id": "telegram:legal:100", "slots": slots})
    events = await action.run(dispatcher, tracker, {})
    return events, dispatcher.messages


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}


def rejected(action: CabinetAction) -> list[dict[str, Any]]:
    return [ActionExecutionRejected(action.name())]


async def new_request(cabinet: CabinetServices, client_id: int) -> str:
    request = await cabinet.requests.create_request(
        client_id, topic="family", description="Алименты не платят", answer_format="oral", channel="telegram"
    )
    return request.public_id


async def refundable_payment(cabinet: CabinetServices, client_id: int, amount: str = "15000") -> str:
    contract = await cabinet.payments.add_contract(client_id, title="Абонемент")
    payment = await cabinet.payments.add_payment(
        client_id, contract, amount=Decimal(amount), paid_at=START - timedelta(days=3)
    )
    return payment.public_id


async def test_the_cabinet_refuses_an_unverified_phone_before_reading_anything(
    cabinet: CabinetServices, anna: int
) -> None:
    await new_request(cabinet, anna)
    slots = await slots_of(cabinet, anna, phone_verified=False)
    for action in cabinet_actions(cabinet):
        if isinstance(action, CreateRequestAction):
            continue
        events, messages = await run(action, slots)
        assert events == rejected(action), action.name()
        assert messages == [{**messages[0], "response": "cabinet.phone_required", "buttons": []}], (
            action.name()
        )


def records(message: dict[str, Any]) -> dict[str, Any]:
    """The records a list action answers with (``json_message``, rasa-sdk's ``custom``)."""
    found: dict[str, Any] = message["custom"]["records"]
    return found


async def test_requests_are_listed_by_the_page_the_engine_asks_for(
    cabinet: CabinetServices, anna: int
) -> None:
    ids = [await new_request(cabinet, anna) for _ in range(6)]
    action = ListRequestsAction(cabinet)

    events, [message] = await run(action, await slots_of(cabinet, anna, list_page=0, list_per_page=5))
    assert events == []
    first = records(message)
    assert (first["total"], first["page"]) == (6, 0)
    assert [item["id"] for item in first["items"]] == list(reversed(ids[1:]))
    assert first["items"][0] == {
        "id": ids[5],
        "number": 6,
        "topic": "family",
        "status": "new",
        "due": "03.03 12:30",
    }

    _, [second] = await run(action, await slots_of(cabinet, anna, list_page=1, list_per_page=5))
    assert [item["id"] for item in records(second)["items"]] == [ids[0]]

    _, [default] = await run(action, await slots_of(cabinet, anna, list_page="9; DROP", list_per_page=500))
    assert (records(default)["page"], len(records(default)["items"])) == (0, 5)


async def test_a_client_without_requests_gets_no_records(cabinet: CabinetServices, anna: int) -> None:
    events, [message] = await run(ListRequestsAction(cabinet), await slots_of(cabinet, anna))
    assert events == []
    assert records(message) == {"items": [], "total": 0, "page": 0}


async def test_opening_another_clients_request_is_refused_and_logged(
    cabinet: CabinetServices, anna: int, boris: int, caplog: pytest.LogCaptureFixture
) -> None:
    foreign = await new_request(cabinet, boris)
    action = OpenRequestAction(cabinet)
    with caplog.at_level(logging.WARNING, logger="cabinet_api.access"):
        events, [message] = await run(action, await slots_of(cabinet, anna, request_choice=foreign))

    assert events == rejected(action)
    assert (message["response"], message["kind"]) == ("cabinet.not_found", "request")
    anna_public = await cabinet.identity.public_id_for(anna)
    assert f"client {anna_public} tried to open request {foreign}" in caplog.text
    assert "Алименты" not in caplog.text


async def test_an_answered_request_asks_for_a_rating_unless_the_client_opted_out(
    cabinet: CabinetServices, anna: int
) -> None:
    public_id = await new_request(cabinet, anna)
    await cabinet.request_events.post_answer(public_id, lawyer="Смирнов", text="Ответ", audio=None)
    slots = await slots_of(cabinet, anna, request_choice=public_id)

    asked, _ = await run(OpenRequestAction(cabinet), slots)
    await cabinet.rating_requests.set_opt_out(anna, True)
    opted_out, _ = await run(OpenRequestAction(cabinet), slots)

    assert slot_values(asked)["request"]["rate_now"] is True
    assert slot_values(opted_out)["request"]["rate_now"] is False


async def test_an_opened_request_is_plain_data_for_the_card(cabinet: CabinetServices, anna: int) -> None:
    public_id = await new_request(cabinet, anna)
    await cabinet.request_events.change_status(public_id, "in_work", actor="lawyer")
    await cabinet.request_events.add_comment(anna, public_id, text="Дополнение", file=None, channel="viber")

    events, messages = await run(
        OpenRequestAction(cabinet), await slots_of(cabinet, anna, request_choice=public_id)
    )

    assert messages == []
    values = slot_values(events)
    assert values["open_request_id"] == public_id
    card = values["request"]
    assert (card["number"], card["status"], card["open"], card["due"], card["answer"], card["rate_now"]) == (
        1,
        "in_work",
        True,
        "03.03.2026 12:30",
        None,
        False,
    )
    assert [
        (event["kind"], event["author"], event["channel"], event["text"]) for event in card["events"]
    ] == [
        ("status", "lawyer", None, "in_work"),
        ("comment", "client", "viber", "Дополнение"),
    ]


async def test_a_comment_on_a_closed_request_is_refused(cabinet: CabinetServices, anna: int) -> None:
    public_id = await new_request(cabinet, anna)
    await cabinet.request_events.change_status(public_id, "closed", actor="lawyer")
    action = AddRequestCommentAction(cabinet)
    slots = await slots_of(cabinet, anna, open_request_id=public_id, request_comment="Ещё вопрос")

    events, [message] = await run(action, slots)

    assert events == rejected(action)
    assert message["response"] == "requests.closed"
    detail = await cabinet.requests.get_request(anna, public_id)
    assert [event.kind for event in detail.events] == ["status"]


async def test_an_answer_is_rated_once(cabinet: CabinetServices, anna: int) -> None:
    public_id = await new_request(cabinet, anna)
    await cabinet.request_events.post_answer(public_id, lawyer="Иванов", text="Ответ", audio=None)
    action = RateAnswerAction(cabinet)
    slots = await slots_of(cabinet, anna, open_request_id=public_id, rating_score=3)

    events, messages = await run(action, slots)
    assert messages == []
    assert slot_values(events)["rating_low"] is True
    assert len(await cabinet.ratings.list_tasks()) == 1

    again, [message] = await run(action, {**slots, "rating_score": 5, "channel": "whatsapp"})
    assert again == rejected(action)
    assert message["response"] == "rating.already"
    [rating] = await cabinet.ratings.list_ratings(client_id=anna)
    assert (rating.score, rating.channel) == (3, "telegram")

    _, reopened = await run(OpenRequestAction(cabinet), {**slots, "request_choice": public_id})
    assert reopened == []


async def test_recordings_go_only_to_their_owner(cabinet: CabinetServices, anna: int, boris: int) -> None:
    recording = await cabinet.recordings.ingest_recording(
        audio=b"RIFF-call",
        mime="audio/wav",
        client_phone=PHONE,
        lawyer="Смирнова",
        started_at=START,
        duration=61,
        direction="incoming",
        source="telegram_call",
    )
    send = SendRecordingAction(cabinet)

    events, [message] = await run(send, await slots_of(cabinet, anna, recording_choice=recording.public_id))
    assert events == []
    file = await cabinet.recordings.recording_file(anna, recording.public_id)
    assert message["response"] == "recordings.caption"
    assert message["custom"] == {
        "attachment": {
            "kind": "audio",
            "storage_key": file.key,
            "file_name": file.name,
            "mime_type": "audio/wav",
            "size": file.size,
            "duration": 61,
        }
    }

    events, [refusal] = await run(send, await slots_of(cabinet, boris, recording_choice=recording.public_id))
    assert events == rejected(send)
    assert refusal["response"] == "cabinet.not_found"
    assert not refusal["custom"]

    _, [listed] = await run(ListRecordingsAction(cabinet), await slots_of(cabinet, anna))
    assert records(listed)["items"] == [
        {"id": recording.public_id, "date": "02.03.2026 12:30", "lawyer": "Смирнова", "duration": "1:01"}
    ]
    _, [empty] = await run(ListRecordingsAction(cabinet), await slots_of(cabinet, boris))
    assert records(empty)["total"] == 0


async def test_refundable_payments_are_offered(cabinet: CabinetServices, anna: int) -> None:
    payment = await refundable_payment(cabinet, anna, "1500.50")
    contract = await cabinet.payments.add_contract(anna, title="Разовая консультация")
    await cabinet.payments.add_payment(anna, contract, amount=Decimal("900"), paid_at=START, refundable=False)

    _, [message] = await run(
        ListRefundablePaymentsAction(cabinet), await slots_of(cabinet, anna, locale="en")
    )

    assert records(message) == {
        "items": [{"id": payment, "contract": "Абонемент", "amount": "1,500.50 ₽", "date": "27.02.2026"}]
    }


async def test_validation_names_the_first_invalid_field_and_clears_it(
    cabinet: CabinetServices, anna: int
) -> None:
    payment = await refundable_payment(cabinet, anna)
    action = ValidateRefundAction(cabinet)
    base = await slots_of(cabinet, anna, refund_payment=payment, refund_reason="Не нужна")

    events, [message] = await run(action, {**base, "refund_amount": "15 000,01"})
    assert (message["response"], message["max"]) == ("refund.invalid.amount.too_much", "15 000 ₽")
    assert slot_values(events) == {
        "refund_payment": payment,
        "refund_amount": None,
        "refund_invalid": "amount",
    }

    cases = [
        ({"refund_amount": "0"}, "refund.invalid.amount.positive"),
        ({"refund_amount": "10,001"}, "refund.invalid.amount.precision"),
        ({"refund_amount": "1e3"}, "refund.invalid.amount.format"),
        ({"refund_bik": "0445"}, "refund.invalid.bik.length"),
        (
            {"refund_bik": SBER_BIK, "refund_account": SBER_ACCOUNT[:-1] + "3"},
            "refund.invalid.account.checksum",
        ),
        ({"refund_payout_kind": "card", "refund_card": "4111111111111112"}, "refund.invalid.card.checksum"),
        ({"refund_holder": "Анна"}, "refund.invalid.holder.words"),
        ({"refund_payment": "someone-elses"}, "refund.invalid.payment.unavailable"),
    ]
    for changes, response in cases:
        _, messages = await run(action, {**base, **changes})
        assert [message["response"] for message in messages] == [response], changes

    events, messages = await run(
        action,
        {
            **base,
            "refund_amount": "1 000,5 руб.",
            "refund_payout_kind": "account",
            "refund_bik": " 044 525 225",
            "refund_account": "4081 7810 9381 6092 5982",
            "refund_holder": "Петрова   Анна",
        },
    )
    assert messages == []
    values = slot_values(events)
    assert values == {
        "refund_payment": payment,
        "refund_amount": "1000.50",
        "refund_payout_kind": "account",
        "refund_bik": SBER_BIK,
        "refund_account": SBER_ACCOUNT,
        "refund_holder": "Петрова Анна",
        "refund_contract": "Абонемент",
        "refund_max_shown": "15 000 ₽",
        "refund_amount_shown": "1 000,50 ₽",
        "refund_number_masked": "**** 5982",
        "refund_invalid": None,
    }


async def test_a_submitted_refund_forgets_the_details_and_cannot_exceed_the_payment(
    cabinet: CabinetServices, anna: int
) -> None:
    payment = await refundable_payment(cabinet, anna, "1000")
    action = SubmitRefundAction(cabinet)
    slots = await slots_of(
        cabinet,
        anna,
        refund_payment=payment,
        refund_reason="Не понадобилось",
        refund_amount="600.00",
        refund_payout_kind="card",
        refund_card="4111111111111111",
        refund_holder="Петрова Анна",
    )

    events, messages = await run(action, slots)
    assert messages == []
    values = slot_values(events)
    assert (values["refund_number"], values["refund_status"]) == ("В-000001", "submitted")
    assert values["refund_card"] is None
    assert values["refund_holder"] is None

    events, [message] = await run(action, slots)
    assert events == rejected(action)
    assert (message["response"], message["max"]) == ("refund.invalid.amount.too_much", "400 ₽")

    events, _ = await run(ListRefundsAction(cabinet), slots)
    assert slot_values(events)["refunds"] == [
        {
            "number": "В-000001",
            "status": "submitted",
            "amount": "600 ₽",
            "contract": "Абонемент",
            "date": "02.03.2026",
            "payout": "**** 1111",
        }
    ]


async def test_a_standard_action_server_lists_requests_and_refuses_strangers(
    action_server: str, sqlite_url: str
) -> None:
    db = Database(sqlite_url)
    await db.migrate()
    remote = RemoteActions(action_server, ["list_requests"], timeout=5)
    try:
        cabinet = cabinet_services(db)
        anna = await cabinet.clients.ensure_verified_client(PHONE, first_name="Анна")
        public_id = await new_request(cabinet, anna)
        tracker = Tracker.from_dict({"sender_id": "t", "slots": await slots_of(cabinet, anna)})
        deadline = time.monotonic() + 30
        while True:
            try:
                outcome = await remote.run("list_requests", tracker, {})
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)

        assert outcome.events == ()
        assert outcome.records is not None
        assert [item["id"] for item in outcome.records.items] == [public_id]

        stranger = Tracker.from_dict({"sender_id": "t", "slots": {**tracker.slots, "phone_verified": False}})
        refused = await remote.run("list_requests", stranger, {})
        assert refused.rejected
        assert refused.messages[0].response == "cabinet.phone_required"
    finally:
        await remote.close()
        await db.dispose()
