from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import func, select

from adapters.types import Channel, ContactShared, StartBody, TextBody, UnsubscribedBody
from cabinet_api import CabinetServices, Database
from cabinet_api.models import ChannelIdentity, Client, Request
from cabinet_api.services.identity import SEEN_PRECISION
from tests.cabinet_api.conftest import START, FakeClock, inbound


async def _count(db: Database, model: type[Client] | type[ChannelIdentity]) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_new_identity_gets_a_new_client_once(cabinet: CabinetServices, db: Database) -> None:
    first = await cabinet.identity.identify(inbound(StartBody(), first_name="Иван", locale="en-US"))
    again = await cabinet.identity.identify(inbound(TextBody(text="hi"), first_name="Иван"))

    assert again == first
    assert first.first_name == "Иван"
    assert first.locale == "en"
    assert not first.phone_verified
    assert len(first.public_id) >= 16
    assert await _count(db, Client) == 1
    assert await _count(db, ChannelIdentity) == 1


async def test_the_same_user_on_another_bot_or_channel_is_another_identity(cabinet: CabinetServices) -> None:
    telegram = await cabinet.identity.identify(inbound(StartBody(), user="7"))
    other_bot = await cabinet.identity.identify(inbound(StartBody(), user="7", bot="other"))
    viber = await cabinet.identity.identify(inbound(StartBody(), user="7", channel=Channel.VIBER))

    assert len({telegram.client_id, other_bot.client_id, viber.client_id}) == 3


async def test_concurrent_events_of_a_new_identity_create_one_client(
    cabinet: CabinetServices, db: Database
) -> None:
    profiles = await asyncio.gather(
        *(cabinet.identity.identify(inbound(TextBody(text=f"m{n}"))) for n in range(8))
    )

    assert len({profile.client_id for profile in profiles}) == 1
    assert len({profile.identity_id for profile in profiles}) == 1
    assert await _count(db, Client) == 1


async def test_identity_details_follow_the_latest_event(
    cabinet: CabinetServices, db: Database, clock: FakeClock
) -> None:
    await cabinet.identity.identify(inbound(StartBody(), display_name="Old", username="old", locale="de"))
    clock.advance(timedelta(minutes=5))
    later = START + timedelta(minutes=5)
    profile = await cabinet.identity.identify(
        inbound(TextBody(text="hi"), display_name="New", username="new", locale="ru", received_at=later)
    )

    async with db.session() as session:
        identity = await session.get(ChannelIdentity, profile.identity_id)
    assert identity is not None
    assert (identity.display_name, identity.username) == ("New", "new")
    assert identity.first_seen_at == START
    assert identity.last_seen_at == later
    assert identity.last_inbound_at == later
    assert profile.locale == "ru"


async def test_a_known_clients_seen_times_move_once_a_minute(
    cabinet: CabinetServices, db: Database, clock: FakeClock
) -> None:
    """A known client's messages rewrite the seen times at most once per ``SEEN_PRECISION``,
    sparing a write per message; a changed name is written at once."""
    first = await cabinet.identity.identify(inbound(TextBody(text="раз"), received_at=START))

    async def seen() -> tuple[datetime, datetime | None, str | None]:
        async with db.session() as session:
            identity = await session.get(ChannelIdentity, first.identity_id)
            assert identity is not None
            return identity.last_seen_at, identity.last_inbound_at, identity.display_name

    clock.advance(timedelta(seconds=20))
    soon = START + timedelta(seconds=20)
    await cabinet.identity.identify(inbound(TextBody(text="два"), received_at=soon))
    assert await seen() == (START, START, None)

    await cabinet.identity.identify(inbound(TextBody(text="три"), received_at=soon, display_name="Иван"))
    assert await seen() == (soon, START, "Иван")

    clock.advance(SEEN_PRECISION)
    later = soon + SEEN_PRECISION
    await cabinet.identity.identify(inbound(TextBody(text="четыре"), received_at=later))
    assert await seen() == (later, later, "Иван")


async def test_an_unsupported_locale_keeps_the_clients_locale(cabinet: CabinetServices) -> None:
    await cabinet.identity.identify(inbound(StartBody(), locale="en"))
    profile = await cabinet.identity.identify(inbound(TextBody(text="hola"), locale="es"))

    assert profile.locale == "en"


async def test_unsubscribe_and_return(cabinet: CabinetServices, db: Database) -> None:
    await cabinet.identity.identify(inbound(StartBody()))
    gone = await cabinet.identity.identify(inbound(UnsubscribedBody()))
    assert gone.unsubscribed

    back = await cabinet.identity.identify(inbound(TextBody(text="I am back")))
    assert not back.unsubscribed
    assert back.client_id == gone.client_id


async def test_verified_contact_verifies_the_client(cabinet: CabinetServices) -> None:
    await cabinet.identity.identify(inbound(StartBody()))
    profile = await cabinet.identity.identify(
        inbound(ContactShared(phone="8 (916) 123-45-67", verified=True, first_name="Анна"))
    )

    assert profile.phone == "+79161234567"
    assert profile.phone_verified
    assert profile.first_name == "Анна"


async def test_unverified_contact_stays_on_the_identity(cabinet: CabinetServices, db: Database) -> None:
    profile = await cabinet.identity.identify(inbound(ContactShared(phone="+79161234567", verified=False)))

    assert profile.phone is None
    assert not profile.phone_verified
    async with db.session() as session:
        identity = await session.get(ChannelIdentity, profile.identity_id)
    assert identity is not None
    assert identity.phone == "+79161234567"


async def test_unverified_contact_never_merges_into_a_verified_client(cabinet: CabinetServices) -> None:
    owner = await cabinet.identity.identify(
        inbound(ContactShared(phone="+79161234567", verified=True), user="1")
    )
    stranger = await cabinet.identity.identify(
        inbound(ContactShared(phone="+79161234567", verified=False), user="2", channel=Channel.VIBER)
    )

    assert stranger.client_id != owner.client_id
    assert not stranger.phone_verified


async def test_verified_phone_merges_channels_into_one_client_and_one_timeline(
    cabinet: CabinetServices, db: Database, clock: FakeClock
) -> None:
    telegram_event = inbound(TextBody(text="Вопрос из Telegram"), user="tg-1", first_name="Анна")
    telegram = await cabinet.identity.identify(telegram_event)
    await cabinet.history.record_inbound(telegram, telegram_event)
    await cabinet.identity.identify(inbound(ContactShared(phone="+79161234567", verified=True), user="tg-1"))
    await cabinet.requests.create_request(
        telegram.client_id,
        topic="Долг",
        description="Вопрос о долге",
        answer_format="oral",
        channel="telegram",
    )

    clock.advance(timedelta(hours=1))
    whatsapp_event = inbound(
        TextBody(text="Дополнение из WhatsApp"), user="79161234567", channel=Channel.WHATSAPP
    )
    whatsapp = await cabinet.identity.identify(whatsapp_event)
    await cabinet.history.record_inbound(whatsapp, whatsapp_event)
    request_before_merge = await cabinet.requests.create_request(
        whatsapp.client_id,
        topic="Аренда",
        description="Вопрос об аренде",
        answer_format="written",
        channel="whatsapp",
    )
    assert whatsapp.client_id != telegram.client_id

    merged = await cabinet.identity.identify(
        inbound(
            ContactShared(phone="79161234567", verified=True), user="79161234567", channel=Channel.WHATSAPP
        )
    )

    assert merged.client_id == telegram.client_id
    assert merged.identity_id == whatsapp.identity_id
    assert merged.first_name == "Анна"
    assert merged.phone_verified
    timeline = await cabinet.history.history(telegram.client_id)
    assert [(entry.channel, entry.text) for entry in timeline] == [
        ("telegram", "Вопрос из Telegram"),
        ("whatsapp", "Дополнение из WhatsApp"),
    ]
    assert await cabinet.identity.profile(whatsapp.client_id) is None
    assert await _count(db, Client) == 1
    async with db.session() as session:
        owners = set(await session.scalars(select(Request.client_id)))
    assert owners == {telegram.client_id}
    assert request_before_merge.client_id == whatsapp.client_id
    next_event = inbound(TextBody(text="ещё"), user="79161234567", channel=Channel.WHATSAPP)
    assert (await cabinet.identity.identify(next_event)).client_id == telegram.client_id


async def test_profile_of_a_client(cabinet: CabinetServices) -> None:
    created = await cabinet.identity.identify(inbound(StartBody(), first_name="Пётр"))

    assert await cabinet.identity.profile(created.client_id) == created
    assert await cabinet.identity.profile(created.client_id + 1000) is None
    assert await cabinet.identity.client_id_for(created.public_id) == created.client_id
    assert await cabinet.identity.public_id_for(created.client_id) == created.public_id
    assert await cabinet.identity.client_id_for("no-such-public-id") is None


async def test_two_channels_verifying_the_same_phone_at_once_end_as_one_client(
    cabinet: CabinetServices, db: Database
) -> None:
    telegram = inbound(ContactShared(phone="+79161234567", verified=True), user="tg")
    whatsapp = inbound(
        ContactShared(phone="+79161234567", verified=True), user="wa", channel=Channel.WHATSAPP
    )
    await asyncio.gather(
        cabinet.identity.identify(inbound(StartBody(), user="tg")),
        cabinet.identity.identify(inbound(StartBody(), user="wa", channel=Channel.WHATSAPP)),
    )

    first, second = await asyncio.gather(
        cabinet.identity.identify(telegram), cabinet.identity.identify(whatsapp)
    )

    assert first.client_id == second.client_id
    assert first.phone_verified
    assert second.phone_verified
    assert await _count(db, Client) == 1
