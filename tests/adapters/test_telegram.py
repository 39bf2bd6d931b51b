from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.telegram import TelegramAdapter
from adapters.types import (
    Attachment,
    AttachmentKind,
    BadRequest,
    ButtonPress,
    Channel,
    ChannelAdapter,
    ContactShared,
    ConversationRef,
    FileBody,
    FileSource,
    Inbound,
    LocationBody,
    LongPolls,
    MediaKind,
    RecipientGone,
    RenderedButton,
    RenderedMessage,
    Sender,
    SendError,
    SendsTemplates,
    StartBody,
    SubscribedBody,
    TextBody,
    UnsubscribedBody,
    UnsupportedBody,
    VerifiesSubscription,
    WelcomesInWebhookResponse,
)
from bots.demo.telegram import FakeTelegram

FIXTURES = Path(__file__).parent / "fixtures" / "telegram"
TOKEN = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = "webhook-secret_123"
CHAT_ID = 111222333
PREFIX = "/fake/telegram"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def adapter(api_base: str | None = None) -> TelegramAdapter:
    return TelegramAdapter("legal", TOKEN, SECRET, api_base=api_base)


def parse_one(name: str) -> Inbound:
    [event] = adapter().parse(fixture(name))
    return event


# ---- verify and parse ------------------------------------------------------------------------


def test_is_a_channel_adapter_with_telegram_limits() -> None:
    telegram = adapter()
    assert isinstance(telegram, ChannelAdapter)
    assert telegram.channel is Channel.TELEGRAM
    caps = telegram.capabilities
    assert (caps.max_text_length, caps.max_caption_length, caps.max_payload_bytes) == (4096, 1024, 64)
    assert (caps.max_buttons, caps.supports_list, caps.max_quick_buttons) == (100, False, 0)
    assert caps.media == frozenset(AttachmentKind)
    assert isinstance(telegram, LongPolls)
    assert not isinstance(telegram, SendsTemplates | WelcomesInWebhookResponse | VerifiesSubscription)
    assert (telegram.rate_limits.per_bot, telegram.rate_limits.per_chat) == (27.0, 1.0)
    assert telegram.retry_horizon.total_seconds() == 24 * 3600


def test_verify_compares_the_secret_header_case_insensitively() -> None:
    telegram = adapter()
    assert telegram.verify({"X-Telegram-Bot-Api-Secret-Token": SECRET}, b"{}")
    assert telegram.verify({"x-telegram-bot-api-secret-token": SECRET}, b"{}")
    assert not telegram.verify({"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"}, b"{}")
    assert not telegram.verify({"X-Telegram-Bot-Api-Secret-Token": ""}, b"{}")
    assert not telegram.verify({}, b"{}")


def test_constructor_rejects_bad_tokens_and_secrets() -> None:
    with pytest.raises(ValueError, match="token"):
        TelegramAdapter("legal", "not a token", SECRET)
    with pytest.raises(ValueError, match="secret"):
        TelegramAdapter("legal", TOKEN, "with spaces!")


def test_text_message() -> None:
    event = parse_one("text")
    assert event.event_id == "918273645"
    assert event.conversation == ConversationRef(
        channel=Channel.TELEGRAM, bot="legal", chat_id=str(CHAT_ID), user_id=str(CHAT_ID)
    )
    assert event.sender == Sender(
        user_id=str(CHAT_ID), display_name="Анна Петрова", first_name="Анна", username="anna_p", locale="ru"
    )
    assert event.body == TextBody(text="Здравствуйте! Хочу уточнить статус обращения")
    assert event.raw["message"]["message_id"] == 1365


def test_start_with_a_deep_link_payload() -> None:
    assert parse_one("start_payload").body == StartBody(payload="ref-campaign_42")


@pytest.mark.parametrize(
    ("text", "payload"),
    [("/start", None), ("/start@legal_demo_bot", None), ("/start@legal_demo_bot abc", "abc")],
)
def test_start_variants(text: str, payload: str | None) -> None:
    update = json.loads(fixture("text"))
    update["message"]["text"] = text
    [event] = adapter().parse(json.dumps(update).encode())
    assert event.body == StartBody(payload=payload)


def test_other_commands_stay_text() -> None:
    update = json.loads(fixture("text"))
    update["message"]["text"] = "/started"
    [event] = adapter().parse(json.dumps(update).encode())
    assert event.body == TextBody(text="/started")


@pytest.mark.parametrize(
    "change",
    [
        {"entities": [{"type": "bold", "offset": 0, "length": 5}]},
        {"from": {"id": CHAT_ID, "is_bot": False, "first_name": "Анна", "can_join_groups": True}},
        {"chat": {"id": CHAT_ID, "type": "private", "first_name": "Анна", "is_forum": False}},
        {"message_id": "1365"},
        {"date": 1718000000.0},
    ],
)
def test_a_text_message_reads_alike_whether_or_not_it_is_plain(change: dict[str, Any]) -> None:
    """A plain text message is read without aiogram's models; one with anything more (or a field of
    another JSON type) through them, and both ways give the same event."""
    plain = json.loads(fixture("text"))
    fuller = {**plain, "message": {**plain["message"], **change}}
    for key in ("from", "chat"):
        fuller["message"][key] = {**plain["message"][key], **fuller["message"][key]}
    [from_plain] = adapter().parse(json.dumps(plain).encode())
    [from_models] = adapter().parse(json.dumps(fuller).encode())
    assert from_models.model_dump(exclude={"raw", "received_at"}) == from_plain.model_dump(
        exclude={"raw", "received_at"}
    )


@pytest.mark.parametrize(
    "change",
    [{"chat": {"id": CHAT_ID}}, {"from": {"id": CHAT_ID, "first_name": "Анна"}}, {"text": 5}],
)
def test_a_text_message_missing_what_aiogram_requires_is_still_refused(change: dict[str, Any]) -> None:
    update = json.loads(fixture("text"))
    update["message"].update(change)
    with pytest.raises(BadRequest):
        adapter().parse(json.dumps(update).encode())


def test_callback_query_is_a_button_press_in_the_message_chat() -> None:
    event = parse_one("callback_query")
    assert event.body == ButtonPress(payload="go:my_requests", callback_id="4382bfdwdsb323b2d9")
    assert event.conversation.chat_id == str(CHAT_ID)
    assert event.sender.user_id == str(CHAT_ID)


def test_own_contact_is_verified_and_normalized() -> None:
    assert parse_one("contact_own").body == ContactShared(
        phone="+79161234567", verified=True, first_name="Анна", last_name="Петрова"
    )


def test_foreign_contact_is_not_verified() -> None:
    body = parse_one("contact_foreign").body
    assert body == ContactShared(phone="+79037654321", verified=False, first_name="Иван")


def test_document() -> None:
    body = parse_one("document").body
    assert body == FileBody(
        media=MediaKind.DOCUMENT,
        file_id="BQACAgIAAxkBAAIFTmZnxK1qT3gC9b5h2Lw0oS9uAAFxAAJ2SQACNv9BS7WqXkT0AAGZQzUE",
        mime_type="application/pdf",
        size=482113,
        file_name="договор аренды.pdf",
        caption="Договор, о котором я спрашивала",
    )


def test_voice_and_audio_keep_their_duration() -> None:
    voice = parse_one("voice").body
    assert isinstance(voice, FileBody)
    assert (voice.media, voice.duration, voice.mime_type, voice.size) == (
        MediaKind.VOICE,
        7,
        "audio/ogg",
        21504,
    )
    audio = parse_one("audio").body
    assert isinstance(audio, FileBody)
    assert (audio.media, audio.duration, audio.file_name) == (MediaKind.AUDIO, 184, "звонок юристу.mp3")


def test_photo_takes_the_largest_size() -> None:
    body = parse_one("photo").body
    assert isinstance(body, FileBody)
    assert (body.media, body.file_id, body.size) == (MediaKind.IMAGE, "AgACAgIAAxkBAAIFUGZnxPQ-large", 88213)


def test_location() -> None:
    assert parse_one("location").body == LocationBody(latitude=55.751244, longitude=37.618423)


def test_sticker_and_poll_are_unsupported() -> None:
    assert parse_one("sticker").body == UnsupportedBody(what="sticker")
    assert parse_one("poll").body == UnsupportedBody(what="poll")


def test_edited_message_is_marked_edited() -> None:
    event = parse_one("edited_message")
    assert event.body == TextBody(text="Здравствуйте! Хочу уточнить статус обращения №1042", edited=True)


def test_blocking_unsubscribes_and_unblocking_resubscribes_without_a_start() -> None:
    """Unblocking with «Restart» also sends ``/start``: a start here too would greet twice."""
    assert parse_one("my_chat_member_kicked").body == UnsubscribedBody()
    assert parse_one("my_chat_member_returned").body == SubscribedBody()


def test_the_message_key_is_the_durable_identity_not_the_update_id() -> None:
    """Update ids restart and are reused; chat and message id, or the callback query id, are not."""
    text = parse_one("text")
    assert text.message_key == f"{CHAT_ID}:1365"
    assert text.message_ref == f"telegram:legal:{CHAT_ID}:1365"
    callback = parse_one("callback_query")
    assert callback.message_key == f"callback:{json.loads(fixture('callback_query'))['callback_query']['id']}"
    edited = json.loads(fixture("edited_message"))["edited_message"]
    assert parse_one("edited_message").message_key == (
        f"{edited['chat']['id']}:{edited['message_id']}:edited:{edited['edit_date']}"
    )
    kicked, returned = parse_one("my_chat_member_kicked"), parse_one("my_chat_member_returned")
    assert kicked.message_key.startswith("member:")
    assert kicked.message_key != returned.message_key


def test_the_same_update_id_with_a_new_message_is_a_new_message() -> None:
    update = json.loads(fixture("text"))
    later = json.loads(fixture("text"))
    later["message"]["message_id"] += 1
    [first], [second] = (
        adapter().parse(json.dumps(update).encode()),
        adapter().parse(json.dumps(later).encode()),
    )
    assert first.event_id == second.event_id
    assert first.message_key != second.message_key


@pytest.mark.parametrize("name", ["channel_post", "chat_join_request"])
def test_update_types_we_do_not_handle_are_skipped(name: str) -> None:
    assert adapter().parse(fixture(name)) == []


def test_unhandled_update_types_are_skipped_without_validating_their_content() -> None:
    future = {"update_id": 6, "chat_join_request": {"chat": {"id": -1, "type": "channel"}}}
    assert adapter().parse(json.dumps(future).encode()) == []
    assert adapter().parse(b'{"update_id": 7, "some_future_update": {"x": 1}}') == []


@pytest.mark.parametrize("status", ["left", "administrator", "restricted"])
def test_member_changes_other_than_blocking_are_skipped(status: str) -> None:
    update = json.loads(fixture("my_chat_member_kicked"))
    update["my_chat_member"]["new_chat_member"] = {
        "user": {"id": 1, "is_bot": True, "first_name": "B"},
        "status": status,
    }
    assert adapter().parse(json.dumps(update).encode()) == []


def test_blocking_is_understood_even_when_member_objects_are_newer_than_the_sdk() -> None:
    update = json.loads(fixture("my_chat_member_kicked"))
    update["my_chat_member"]["old_chat_member"] = {
        "user": {"id": 1, "is_bot": True, "first_name": "B"},
        "status": "administrator",
    }
    [event] = adapter().parse(json.dumps(update).encode())
    assert event.body == UnsubscribedBody()


def test_message_content_newer_than_the_sdk_still_reaches_the_dialogs() -> None:
    assert parse_one("poll").body == UnsupportedBody(what="poll")
    update = json.loads(fixture("text"))
    update["message"]["reply_to_message"] = {"message_id": "not-a-number"}
    [event] = adapter().parse(json.dumps(update).encode())
    assert event.body == TextBody(text="Здравствуйте! Хочу уточнить статус обращения")


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'"text"',
        b"{}",
        b'{"update_id": "x"}',
        b'{"message": {}}',
        b'{"update_id": 1, "message": {}}',
        b'{"update_id": 1, "callback_query": {"id": "1"}}',
    ],
)
def test_malformed_bodies_are_bad_requests(raw: bytes) -> None:
    with pytest.raises(BadRequest):
        adapter().parse(raw)


def test_parsed_events_round_trip_through_json() -> None:
    for path in sorted(FIXTURES.glob("*.json")):
        for event in adapter().parse(path.read_bytes()):
            assert Inbound.model_validate_json(event.model_dump_json()) == event


# ---- send, against the fake Telegram ----------------------------------------------------------


class FakeServer:
    def __init__(self, base: str, http: aiohttp.ClientSession) -> None:
        self.base = base
        self.http = http

    async def say_hello(self) -> None:
        """A message from the client, so the fake knows the chat (Telegram refuses unknown chats)."""
        update = json.loads(fixture("text"))
        async with self.http.post(f"{self.base}/updates", json=update, params={"token": TOKEN}) as response:
            assert response.status in (200, 202)

    async def calls(self, **query: str) -> list[dict[str, Any]]:
        async with self.http.get(f"{self.base}/outbox", params=query) as response:
            return list((await response.json())["calls"])

    async def fail_next(self, *failures: dict[str, Any]) -> None:
        async with self.http.post(f"{self.base}/control", json={"fail_next": list(failures)}) as response:
            assert response.status == 200


@pytest.fixture
async def fake() -> AsyncIterator[FakeServer]:
    app = web.Application()
    FakeTelegram().mount(app, PREFIX)
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as http:
        yield FakeServer(str(server.make_url(PREFIX)), http)


@pytest.fixture
async def telegram(fake: FakeServer) -> AsyncIterator[TelegramAdapter]:
    connected = adapter(fake.base)
    await fake.say_hello()
    yield connected
    await connected.close()


def message(**fields: Any) -> RenderedMessage:
    conversation = ConversationRef(
        channel=Channel.TELEGRAM, bot="legal", chat_id=str(CHAT_ID), user_id=str(CHAT_ID)
    )
    return RenderedMessage(conversation=conversation, idempotency_key="out-1:0", **fields)


async def test_text_with_short_buttons_goes_two_per_row(telegram: TelegramAdapter, fake: FakeServer) -> None:
    buttons = tuple(RenderedButton(title=f"Кнопка {n}", payload=f"p{n}") for n in range(3))
    message_id = await telegram.send(message(text="<b>Меню</b>", layout="buttons", buttons=buttons))
    [call] = await fake.calls(method="sendMessage")
    assert message_id == str(call["result"]["message_id"])
    assert call["body"]["text"] == "<b>Меню</b>"
    assert "parse_mode" not in call["body"]
    rows = call["body"]["reply_markup"]["inline_keyboard"]
    assert [[button["callback_data"] for button in row] for row in rows] == [["p0", "p1"], ["p2"]]


async def test_long_button_titles_go_one_per_row(telegram: TelegramAdapter, fake: FakeServer) -> None:
    buttons = (
        RenderedButton(title="Новое обращение к юристу", payload="new"),
        RenderedButton(title="Мои", payload="mine"),
    )
    await telegram.send(message(text="?", layout="buttons", buttons=buttons))
    [call] = await fake.calls(method="sendMessage")
    assert [len(row) for row in call["body"]["reply_markup"]["inline_keyboard"]] == [1, 1]


async def test_contact_request_and_keyboard_removal(telegram: TelegramAdapter, fake: FakeServer) -> None:
    await telegram.send(message(text="Поделитесь номером", request_contact="📱 Отправить номер"))
    await telegram.send(message(text="Спасибо", remove_keyboard=True))
    ask, thanks = await fake.calls(method="sendMessage")
    assert ask["body"]["reply_markup"] == {
        "keyboard": [[{"text": "📱 Отправить номер", "request_contact": True}]],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }
    assert thanks["body"]["reply_markup"] == {"remove_keyboard": True}


async def test_numbered_layout_sends_no_keyboard(telegram: TelegramAdapter, fake: FakeServer) -> None:
    await telegram.send(message(text="1. Один\n2. Два"))
    [call] = await fake.calls(method="sendMessage")
    assert "reply_markup" not in call["body"]


@pytest.mark.parametrize(
    ("kind", "method", "field"),
    [
        (AttachmentKind.AUDIO, "sendAudio", "audio"),
        (AttachmentKind.VOICE, "sendVoice", "voice"),
        (AttachmentKind.DOCUMENT, "sendDocument", "document"),
        (AttachmentKind.IMAGE, "sendPhoto", "photo"),
    ],
)
async def test_attachments_from_bytes(
    telegram: TelegramAdapter, fake: FakeServer, kind: AttachmentKind, method: str, field: str
) -> None:
    attachment = Attachment(
        kind=kind, source=FileSource(data=b"0123456789"), file_name="call.bin", caption="Запись", duration=12
    )
    message_id = await telegram.send(message(attachment=attachment))
    [call] = await fake.calls(method=method)
    assert message_id == str(call["result"]["message_id"])
    assert call["body"][field] == {"file_name": "call.bin", "size": 10}
    assert call["body"]["caption"] == "Запись"


async def test_attachments_by_file_id_and_url(telegram: TelegramAdapter, fake: FakeServer) -> None:
    uploaded = Attachment(kind=AttachmentKind.DOCUMENT, source=FileSource(data=b"%PDF"), file_name="a.pdf")
    await telegram.send(message(attachment=uploaded))
    [first] = await fake.calls(method="sendDocument")
    file_id = first["result"]["document"]["file_id"]
    by_id = Attachment(kind=AttachmentKind.DOCUMENT, source=FileSource(file_id=file_id))
    by_url = Attachment(kind=AttachmentKind.AUDIO, source=FileSource(url="https://example.org/rec/17.mp3"))
    await telegram.send(message(attachment=by_id))
    await telegram.send(message(attachment=by_url))
    calls = await fake.calls()
    assert calls[-2]["body"]["document"] == file_id
    assert calls[-1]["body"]["audio"] == "https://example.org/rec/17.mp3"


async def test_rate_limit_is_a_send_error_with_retry_after(
    telegram: TelegramAdapter, fake: FakeServer
) -> None:
    await fake.fail_next({"error_code": 429, "retry_after": 7})
    with pytest.raises(SendError) as raised:
        await telegram.send(message(text="hi"))
    assert (raised.value.retry_after, raised.value.permanent, raised.value.code) == (7.0, False, 429)


async def test_blocked_chat_is_recipient_gone(telegram: TelegramAdapter, fake: FakeServer) -> None:
    async with fake.http.post(
        f"{fake.base}/updates", data=fixture("my_chat_member_kicked"), params={"token": TOKEN}
    ) as response:
        assert response.status == 202
    with pytest.raises(RecipientGone) as raised:
        await telegram.send(message(text="hi"))
    assert raised.value.permanent
    assert raised.value.code == 403


async def test_too_long_text_is_a_permanent_bad_request(telegram: TelegramAdapter) -> None:
    with pytest.raises(SendError) as raised:
        await telegram.send(message(text="x" * 5000))
    assert (raised.value.permanent, raised.value.code) == (True, 400)
    assert not isinstance(raised.value, RecipientGone)


async def test_server_error_and_unreachable_api_are_transient(
    telegram: TelegramAdapter, fake: FakeServer
) -> None:
    await fake.fail_next({"error_code": 502})
    with pytest.raises(SendError) as raised:
        await telegram.send(message(text="hi"))
    assert not raised.value.permanent
    assert raised.value.retry_after is None

    unreachable = adapter("http://127.0.0.1:9/fake/telegram")
    try:
        with pytest.raises(SendError) as raised:
            await unreachable.send(message(text="hi"))
        assert not raised.value.permanent
    finally:
        await unreachable.close()


async def test_acknowledge_answers_the_callback_and_swallows_errors(
    telegram: TelegramAdapter, fake: FakeServer
) -> None:
    async with fake.http.post(
        f"{fake.base}/updates", data=fixture("callback_query"), params={"token": TOKEN}
    ) as response:
        assert response.status == 202
    event = parse_one("callback_query")
    await telegram.acknowledge(event)
    await telegram.acknowledge(event)
    answers = await fake.calls(method="answerCallbackQuery")
    assert [(a["body"]["callback_query_id"], a["ok"]) for a in answers] == [
        ("4382bfdwdsb323b2d9", True),
        ("4382bfdwdsb323b2d9", False),
    ]
    await telegram.acknowledge(parse_one("text"))
    assert len(await fake.calls(method="answerCallbackQuery")) == 2


async def test_start_registers_the_webhook_once_with_the_secret(
    telegram: TelegramAdapter, fake: FakeServer
) -> None:
    await telegram.start("https://bots.example.org/")
    assert telegram.me is not None
    assert telegram.me.id == 7000000001
    [call] = await fake.calls(method="setWebhook")
    assert call["body"]["url"] == "https://bots.example.org/webhooks/legal/telegram"
    assert call["body"]["secret_token"] == SECRET
    assert call["body"]["allowed_updates"] == [
        "message",
        "edited_message",
        "callback_query",
        "my_chat_member",
    ]
    await telegram.send(message(text="hi"))
    assert len(await fake.calls(method="getMe")) == 1


async def test_start_without_public_url_only_reads_the_bot(
    telegram: TelegramAdapter, fake: FakeServer
) -> None:
    await telegram.start(None)
    assert [call["method"] for call in await fake.calls(method="getMe")] == ["getMe"]
    assert await fake.calls(method="setWebhook") == []


async def test_poll_feeds_updates_that_parse_back(telegram: TelegramAdapter, fake: FakeServer) -> None:
    received: list[Inbound] = []
    stop = asyncio.Event()

    async def handler(raw: bytes) -> None:
        received.extend(telegram.parse(raw))
        if len(received) == 2:
            stop.set()

    async with fake.http.post(
        f"{fake.base}/updates", data=fixture("document"), params={"token": TOKEN}
    ) as response:
        assert response.status == 202
    await asyncio.wait_for(telegram.poll(handler, stop=stop), 5)
    assert [event.body.kind for event in received] == ["text", "file"]
    assert received[1].body == parse_one("document").body
    assert [call["method"] for call in await fake.calls()][:2] == ["deleteWebhook", "getUpdates"]


async def test_poll_retries_a_failing_handler_and_stops_promptly(telegram: TelegramAdapter) -> None:
    stop = asyncio.Event()
    attempts: list[int] = []

    async def handler(raw: bytes) -> None:
        attempts.append(len(raw))
        if len(attempts) == 1:
            raise RuntimeError("inbox down")
        stop.set()

    await asyncio.wait_for(telegram.poll(handler, stop=stop), 5)
    assert len(attempts) == 2
    assert attempts[0] == attempts[1]

    idle = asyncio.Event()
    task = asyncio.ensure_future(telegram.poll(handler, stop=idle))
    await asyncio.sleep(0.2)
    idle.set()
    await asyncio.wait_for(task, 2)
