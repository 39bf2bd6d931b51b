from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from adapters.types import (
    Attachment,
    AttachmentKind,
    Button,
    ButtonPress,
    ConversationRef,
    FileBody,
    FileSource,
    MediaKind,
    Outbound,
    Reply,
    TextBody,
)
from cabinet_api import CabinetServices, ClientProfile, Database
from cabinet_api.models import Message
from tests.cabinet_api.conftest import FakeClock, inbound


def outbound(profile_user: str = "100", *, id: str = "out-1", reply: Reply | None = None) -> Outbound:
    return Outbound(
        id=id,
        conversation=ConversationRef(
            channel="telegram", bot="legal", chat_id=f"chat-{profile_user}", user_id=profile_user
        ),
        reply=reply or Reply(text="Здравствуйте!", buttons=(Button(title="Меню", payload="menu"),)),
    )


@pytest.fixture
async def profile(cabinet: CabinetServices) -> ClientProfile:
    return await cabinet.identity.identify(inbound(TextBody(text="hi")))


async def _message(db: Database, event_id: str) -> Message:
    async with db.session() as session:
        message = await session.scalar(select(Message).where(Message.event_id == event_id))
    assert message is not None
    return message


async def test_record_inbound_is_idempotent(cabinet: CabinetServices, profile: ClientProfile) -> None:
    event = inbound(TextBody(text="Мой вопрос"), event_id="update-1")

    assert await cabinet.history.record_inbound(profile, event) is True
    assert await cabinet.history.record_inbound(profile, event) is False

    [entry] = await cabinet.history.history(profile.client_id)
    assert (entry.direction, entry.kind, entry.text, entry.status) == ("in", "text", "Мой вопрос", "received")


async def test_inbound_bodies_are_stored_as_data_without_the_raw_payload(
    cabinet: CabinetServices, profile: ClientProfile
) -> None:
    press = inbound(ButtonPress(payload="new_request"))
    photo = inbound(FileBody(media=MediaKind.IMAGE, file_id="AgAD", caption="скан договора"))
    raw = inbound(TextBody(text="x")).model_copy(update={"raw": {"token": "secret-token"}})
    for event in (press, photo, raw):
        await cabinet.history.record_inbound(profile, event)

    button, file, text = await cabinet.history.history(profile.client_id)
    assert (button.kind, button.text, button.payload) == (
        "button",
        None,
        {"kind": "button", "payload": "new_request", "callback_id": None},
    )
    assert (file.kind, file.text) == ("file", "скан договора")
    assert file.payload is not None
    assert file.payload["file_id"] == "AgAD"
    assert "secret-token" not in repr(text.payload)


async def test_record_and_mark_outbound(
    cabinet: CabinetServices, db: Database, profile: ClientProfile
) -> None:
    message = outbound()
    await cabinet.history.record_outbound(profile, message)
    await cabinet.history.record_outbound(profile, message)

    stored = await _message(db, "out-1")
    assert (stored.direction, stored.status, stored.text) == ("out", "queued", "Здравствуйте!")
    assert stored.identity_id == profile.identity_id
    assert stored.payload is not None
    assert stored.payload["buttons"] == [{"title": "Меню", "payload": "menu", "description": None}]

    await cabinet.history.mark_outbound("out-1", "telegram", "legal", status="sent", platform_message_id="42")
    await cabinet.history.mark_outbound("out-1", "telegram", "legal", status="delivered")
    stored = await _message(db, "out-1")
    assert (stored.status, stored.platform_message_id, stored.error) == ("delivered", "42", None)

    await cabinet.history.mark_outbound(
        "out-1", "telegram", "legal", status="failed", error="blocked by user"
    )
    stored = await _message(db, "out-1")
    assert (stored.status, stored.platform_message_id, stored.error) == ("failed", "42", "blocked by user")


async def test_record_outbound_by_client_id_finds_the_identity(
    cabinet: CabinetServices, db: Database, profile: ClientProfile
) -> None:
    await cabinet.history.record_outbound(profile.client_id, outbound(id="out-2"), status="sent")

    stored = await _message(db, "out-2")
    assert (stored.identity_id, stored.status) == (profile.identity_id, "sent")


async def test_outbound_file_bytes_are_not_stored(
    cabinet: CabinetServices, db: Database, profile: ClientProfile
) -> None:
    reply = Reply(
        attachment=Attachment(
            kind=AttachmentKind.DOCUMENT,
            source=FileSource(data=b"%PDF-1.7"),
            file_name="a.pdf",
            caption="Ответ",
        )
    )
    await cabinet.history.record_outbound(profile, outbound(id="out-3", reply=reply))

    stored = await _message(db, "out-3")
    assert (stored.kind, stored.text) == ("file", "Ответ")
    assert stored.payload is not None
    assert "data" not in stored.payload["attachment"]["source"]


async def test_unknown_statuses_are_refused(cabinet: CabinetServices, profile: ClientProfile) -> None:
    with pytest.raises(ValueError, match="bogus"):
        await cabinet.history.record_outbound(profile, outbound(), status="bogus")
    with pytest.raises(ValueError, match="bogus"):
        await cabinet.history.mark_outbound("out-1", "telegram", "legal", status="bogus")


async def test_history_pages_backwards_newest_last(
    cabinet: CabinetServices, profile: ClientProfile, clock: FakeClock
) -> None:
    for n in range(5):
        clock.advance(timedelta(seconds=1))
        await cabinet.history.record_inbound(profile, inbound(TextBody(text=f"m{n}")))
        await cabinet.history.record_outbound(profile, outbound(id=f"reply-{n}", reply=Reply(text=f"r{n}")))

    latest = await cabinet.history.history(profile.client_id, limit=4)
    assert [entry.text for entry in latest] == ["m3", "r3", "m4", "r4"]
    older = await cabinet.history.history(profile.client_id, limit=4, before_id=latest[0].id)
    assert [entry.text for entry in older] == ["m1", "r1", "m2", "r2"]
    assert older[-1].created_at <= latest[0].created_at
    assert await cabinet.history.history(profile.client_id + 1000) == []
