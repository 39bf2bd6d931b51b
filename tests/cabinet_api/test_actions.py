from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from adapters.types import StartBody
from cabinet_api import CabinetServices, ClientProfile, Database, cabinet_services
from cabinet_api.actions import CreateRequestAction, cabinet_actions
from cabinet_api.models import Request
from tests.cabinet_api.conftest import inbound

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DOMAIN = {"slots": {"client_id": {"type": "text"}}, "responses": {"error_generic": [{"text": "Ошибка"}]}}


def tracker(slots: dict[str, Any]) -> Tracker:
    return Tracker.from_dict({"sender_id": "telegram:legal:100", "slots": slots})


def request_slots(profile: ClientProfile, **changes: Any) -> dict[str, Any]:
    slots: dict[str, Any] = {
        "client_id": profile.public_id,
        "channel": "telegram",
        "topic": "Наследство",
        "description": "Как вступить в наследство?",
        "answer_format": "oral",
    }
    return {**slots, **changes}


@pytest.fixture
async def profile(cabinet: CabinetServices) -> ClientProfile:
    return await cabinet.identity.identify(inbound(StartBody()))


async def _run(
    action: CreateRequestAction, slots: dict[str, Any]
) -> tuple[list[dict[str, Any]], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker(slots), DOMAIN)
    return events, dispatcher


async def _stored_request(db: Database, public_id: str) -> Request:
    async with db.session() as session:
        request = await session.scalar(select(Request).where(Request.public_id == public_id))
    assert request is not None
    return request


async def test_create_request_sets_number_due_and_id(
    cabinet: CabinetServices, db: Database, profile: ClientProfile
) -> None:
    events, dispatcher = await _run(CreateRequestAction(cabinet), request_slots(profile))

    assert dispatcher.messages == []
    values = {event["name"]: event["value"] for event in events if event["event"] == "slot"}
    assert values["request_number"] == 1
    assert values["request_due"] == "03.03.2026 12:30"
    stored = await _stored_request(db, values["request_id"])
    assert (stored.client_id, stored.topic, stored.answer_format, stored.urgency, stored.channel) == (
        profile.client_id,
        "Наследство",
        "oral",
        "normal",
        "telegram",
    )


async def test_create_request_with_an_attachment_and_without_a_topic(
    cabinet: CabinetServices, db: Database, profile: ClientProfile
) -> None:
    attachment = {"file_id": "BQAC", "mime_type": "application/pdf", "size": 1024, "file_name": "dogovor.pdf"}
    slots = request_slots(
        profile, topic=None, answer_format="written", urgency="emergency", attachment=attachment
    )
    events, _ = await _run(CreateRequestAction(cabinet), slots)

    values = {event["name"]: event["value"] for event in events}
    assert values["request_due"] == "02.03.2026 12:30"
    stored = await _stored_request(db, values["request_id"])
    assert stored.topic == "Как вступить в наследство?"
    assert stored.attachments == [
        {
            "kind": "document",
            "channel": "telegram",
            "file_id": "BQAC",
            "file_name": "dogovor.pdf",
            "mime_type": "application/pdf",
            "size": 1024,
        }
    ]


BAD_SLOTS = [
    {"client_id": None},
    {"client_id": "no-such-client"},
    {"description": None},
    {"description": "   "},
    {"answer_format": "telepathy"},
    {"urgency": "someday"},
    {"channel": None},
    {"attachment": "not a file"},
    {"attachment": {"mime_type": "image/png"}},
]


async def test_bad_slots_answer_error_generic(
    cabinet: CabinetServices, db: Database, profile: ClientProfile
) -> None:
    for changes in BAD_SLOTS:
        events, dispatcher = await _run(CreateRequestAction(cabinet), request_slots(profile, **changes))

        assert events == [ActionExecutionRejected("create_request")], changes
        assert [message["response"] for message in dispatcher.messages] == ["error_generic"], changes
    async with db.session() as session:
        assert (await session.scalars(select(Request))).all() == []


def test_cabinet_actions_are_bound_to_the_cabinet(cabinet: CabinetServices) -> None:
    actions = cabinet_actions(cabinet)

    assert actions[0].name() == "create_request"
    assert len({action.name() for action in actions}) == len(actions)
    assert all(action.cabinet is cabinet for action in actions)


async def _wait_until_up(http: aiohttp.ClientSession, base_url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            async with http.get(f"{base_url}/health") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("the action server did not start within 30 s")
        await asyncio.sleep(0.2)


async def test_a_standard_action_server_runs_create_request(action_server: str, sqlite_url: str) -> None:
    db = Database(sqlite_url)
    await db.migrate()
    try:
        profile = await cabinet_services(db).identity.identify(inbound(StartBody()))
        call = {
            "next_action": "create_request",
            "sender_id": "telegram:legal:100",
            "version": "3.21.0",
            "domain": DOMAIN,
            "tracker": {
                "sender_id": "telegram:legal:100",
                "slots": request_slots(profile, answer_format="written"),
            },
        }
        async with aiohttp.ClientSession() as http:
            await _wait_until_up(http, action_server)
            async with http.post(f"{action_server}/webhook", json=call) as response:
                assert response.status == 200
                result = await response.json()

        assert result["responses"] == []
        values = {event["name"]: event["value"] for event in result["events"] if event["event"] == "slot"}
        assert set(values) == {"request_number", "request_due", "request_id"}
        stored = await _stored_request(db, values["request_id"])
        assert (stored.number, stored.client_id, stored.answer_format) == (
            values["request_number"],
            profile.client_id,
            "written",
        )
    finally:
        await db.dispose()
