from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from adapters.types import Channel, FileRef, StartBody
from cabinet_api import CabinetServices, ClientProfile, Database, UnknownClient
from cabinet_api.models import Request
from tests.cabinet_api.conftest import START, inbound


@pytest.fixture
async def profile(cabinet: CabinetServices) -> ClientProfile:
    return await cabinet.identity.identify(inbound(StartBody()))


async def test_due_dates_follow_the_answer_format(cabinet: CabinetServices, profile: ClientProfile) -> None:
    oral = await cabinet.requests.create_request(
        profile.client_id,
        topic="Долг",
        description="Мне не вернули долг",
        answer_format="oral",
        channel="telegram",
    )
    written = await cabinet.requests.create_request(
        profile.client_id,
        topic="Аренда",
        description="Договор аренды",
        answer_format="written",
        channel="viber",
    )
    emergency = await cabinet.requests.create_request(
        profile.client_id,
        topic="Задержание",
        description="Задержали родственника",
        answer_format="oral",
        urgency="emergency",
        channel="whatsapp",
    )

    assert oral.due_at == START + timedelta(hours=24)
    assert written.due_at == START + timedelta(hours=48)
    assert emergency.due_at == START
    assert (oral.status, oral.urgency, oral.channel, oral.client_id) == (
        "new",
        "normal",
        "telegram",
        profile.client_id,
    )
    assert len({oral.number, written.number, emergency.number}) == 3
    assert len({oral.public_id, written.public_id, emergency.public_id}) == 3


async def test_attachments_are_stored_as_file_refs(cabinet: CabinetServices, profile: ClientProfile) -> None:
    contract = FileRef(
        channel=Channel.TELEGRAM,
        file_id="BQAC",
        file_name="contract.pdf",
        mime_type="application/pdf",
        size=2048,
    )
    request = await cabinet.requests.create_request(
        profile.client_id,
        topic="Договор",
        description="Проверьте договор",
        answer_format="written",
        channel="telegram",
        attachments=[contract],
    )

    assert request.attachments == (contract,)
    assert (await cabinet.requests.get_request(profile.client_id, request.public_id)).attachments == (
        contract,
    )


async def test_file_refs_stored_before_the_typed_model_still_read(
    cabinet: CabinetServices, db: Database, profile: ClientProfile
) -> None:
    request = await cabinet.requests.create_request(
        profile.client_id, topic="Договор", description="Проверьте", answer_format="oral", channel="viber"
    )
    legacy = {"channel": "viber", "file_id": "vb-1", "name": "scan.jpg", "mime": "image/jpeg", "size": 10}
    async with db.session() as session:
        stored = await session.scalar(select(Request).where(Request.public_id == request.public_id))
        assert stored is not None
        stored.attachments = [legacy]

    [attachment] = (await cabinet.requests.get_request(profile.client_id, request.public_id)).attachments

    assert (attachment.channel, attachment.file_id, attachment.file_name, attachment.mime_type) == (
        Channel.VIBER,
        "vb-1",
        "scan.jpg",
        "image/jpeg",
    )


async def test_numbers_are_unique_under_concurrency(cabinet: CabinetServices, profile: ClientProfile) -> None:
    requests = await asyncio.gather(
        *(
            cabinet.requests.create_request(
                profile.client_id, topic=f"t{n}", description="d", answer_format="oral", channel="telegram"
            )
            for n in range(12)
        )
    )

    assert sorted(request.number for request in requests) == list(range(1, 13))


INVALID = [
    {"answer_format": "video"},
    {"urgency": "later"},
    {"topic": "  "},
    {"description": ""},
    {"channel": ""},
]


async def test_invalid_requests_are_refused(cabinet: CabinetServices, profile: ClientProfile) -> None:
    valid: dict[str, Any] = {
        "topic": "t",
        "description": "d",
        "answer_format": "oral",
        "urgency": "normal",
        "channel": "viber",
    }
    for changes in INVALID:
        with pytest.raises(ValueError, match=r"."):
            await cabinet.requests.create_request(profile.client_id, **{**valid, **changes})


async def test_requests_of_unknown_clients_are_refused(cabinet: CabinetServices) -> None:
    with pytest.raises(UnknownClient):
        await cabinet.requests.create_request(
            999, topic="t", description="d", answer_format="oral", channel="viber"
        )


async def test_a_replayed_chat_event_files_the_request_once(
    cabinet: CabinetServices, profile: ClientProfile
) -> None:
    client_id = profile.client_id
    fields = {
        "topic": "housing",
        "description": "Соседи сверху затопили квартиру",
        "answer_format": "written",
        "channel": "telegram",
        "source_event": "telegram:legal:777",
    }
    first, second = await asyncio.gather(
        cabinet.requests.create_request(client_id, **fields),
        cabinet.requests.create_request(client_id, **fields),
    )
    again = await cabinet.requests.create_request(client_id, **fields)
    assert first.public_id == second.public_id == again.public_id
    other = await cabinet.requests.create_request(
        client_id, **{**fields, "source_event": "telegram:legal:778"}
    )
    assert other.public_id != first.public_id
