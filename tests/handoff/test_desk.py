"""Who owns a conversation, and how a request for a person is kept."""

from __future__ import annotations

import pytest

from adapters.types import Channel, StartBody
from cabinet_api import CabinetServices, ClientProfile, UnknownClient
from handoff import BOT, HandoffDesk, HandoffRequest
from tests.cabinet_api.conftest import START, inbound


@pytest.fixture
async def anna(cabinet: CabinetServices) -> ClientProfile:
    return await cabinet.identity.identify(inbound(StartBody(), channel=Channel.VIBER, user="anna"))


def _request(client_id: int, **fields: str) -> HandoffRequest:
    conversation = inbound(StartBody(), channel=Channel.VIBER, user="anna").conversation
    return HandoffRequest(
        client_id=client_id,
        conversation=conversation,
        queue=fields.get("queue", "lawyers"),
        reason=fields.get("reason", "asked"),
        note=fields.get("note", "Спор с арендодателем"),
    )


async def test_the_bot_owns_a_conversation_nobody_handed_over(desk: HandoffDesk, anna: ClientProfile) -> None:
    conversation = inbound(StartBody(), channel=Channel.VIBER, user="anna").conversation

    assert await desk.owner(anna.client_id, conversation) == BOT


async def test_a_request_is_recorded_with_its_queue_reason_channel_and_note(
    desk: HandoffDesk, anna: ClientProfile
) -> None:
    ticket = await desk.request_handoff(_request(anna.client_id))

    recorded = await desk.requests_of(anna.client_id)

    assert recorded == [ticket]
    assert (ticket.client_id, ticket.queue, ticket.reason, ticket.channel, ticket.note) == (
        anna.client_id,
        "lawyers",
        "asked",
        "viber",
        "Спор с арендодателем",
    )
    assert (ticket.status, ticket.created_at) == ("waiting", START)


async def test_every_request_is_kept_oldest_first(desk: HandoffDesk, anna: ClientProfile) -> None:
    await desk.request_handoff(_request(anna.client_id))
    await desk.request_handoff(_request(anna.client_id, queue="duty_lawyer", reason="emergency"))

    assert [(t.queue, t.reason) for t in await desk.requests_of(anna.client_id)] == [
        ("lawyers", "asked"),
        ("duty_lawyer", "emergency"),
    ]


async def test_a_request_for_an_unknown_client_is_refused(desk: HandoffDesk, anna: ClientProfile) -> None:
    stranger = anna.client_id + 1000

    with pytest.raises(UnknownClient):
        await desk.request_handoff(_request(stranger))
    assert await desk.requests_of(stranger) == []


async def test_a_long_note_is_kept_to_its_first_4000_characters(
    desk: HandoffDesk, anna: ClientProfile
) -> None:
    ticket = await desk.request_handoff(_request(anna.client_id, note="я" * 5000))

    assert ticket.note == "я" * 4000
    assert [t.note for t in await desk.requests_of(anna.client_id)] == ["я" * 4000]


@pytest.mark.parametrize(("field", "value"), [("queue", ""), ("queue", "q" * 65), ("reason", "  ")])
async def test_a_queue_or_reason_out_of_bounds_is_refused(
    desk: HandoffDesk, anna: ClientProfile, field: str, value: str
) -> None:
    with pytest.raises(ValueError, match=field):
        await desk.request_handoff(_request(anna.client_id, **{field: value}))
    assert await desk.requests_of(anna.client_id) == []
