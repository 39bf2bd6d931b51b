from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

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
    OutsideWindow,
    RenderedButton,
    RenderedMessage,
    Sender,
    SendError,
    SendsTemplates,
    StartBody,
    StatusBody,
    TemplateRef,
    TextBody,
    UnsupportedBody,
    VerifiesSubscription,
    WelcomesInWebhookResponse,
)
from adapters.whatsapp import TemplateSpec, WhatsAppAdapter, window_open
from bots.demo.whatsapp import FakeWhatsApp
from tests.support.waiting import eventually

FIXTURES = Path(__file__).parent / "fixtures" / "whatsapp"
PHONE_ID = "106540352242922"
TOKEN = "EAAJB-demo-token"
APP_SECRET = "41678a4f9c0e-app-secret"
VERIFY_TOKEN = "verify-me-42"
WA_ID = "79161234567"
BSUID = "RU.13491208655302741918"
PREFIX = "/fake/whatsapp"
TEMPLATES = {
    "answer_ready": TemplateSpec(name="legal_answer_ready", language="ru", body_params=1),
    "reminder": TemplateSpec(name="custom_reminder", language="ru"),
}


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def adapter(api_base: str | None = None, **overrides: Any) -> WhatsAppAdapter:
    settings: dict[str, Any] = {
        "phone_id": PHONE_ID,
        "token": TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
        "api_base": api_base,
        "templates": TEMPLATES,
    }
    return WhatsAppAdapter("legal", **(settings | overrides))


def parse_one(name: str) -> Inbound:
    [event] = adapter().parse(fixture(name))
    return event


def edited(name: str, change: Any) -> bytes:
    notification = json.loads(fixture(name))
    change(notification["entry"][0]["changes"][0]["value"])
    return json.dumps(notification).encode()


def signed(raw: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()}


# ---- construction, verification ------------------------------------------------------------------


def test_is_a_channel_adapter_with_whatsapp_limits() -> None:
    whatsapp = adapter()
    assert isinstance(whatsapp, ChannelAdapter)
    assert whatsapp.channel is Channel.WHATSAPP
    caps = whatsapp.capabilities
    assert (caps.max_quick_buttons, caps.max_button_title, caps.max_buttons) == (3, 20, 3)
    assert (caps.supports_list, caps.list_max_rows, caps.list_row_title, caps.list_row_description) == (
        True,
        10,
        24,
        72,
    )
    assert (caps.max_text_length, caps.supports_contact_request) == (4096, False)
    assert (caps.max_text_with_buttons, caps.list_label_length) == (1024, 20)
    assert isinstance(whatsapp, SendsTemplates)
    assert isinstance(whatsapp, VerifiesSubscription)
    assert not isinstance(whatsapp, LongPolls | WelcomesInWebhookResponse)
    limits = whatsapp.rate_limits
    assert (limits.per_bot, limits.per_chat, limits.per_chat_burst) == (72.0, 1 / 6, 45)
    assert whatsapp.retry_horizon.days == 7


def test_graph_base_url_is_the_configured_one_not_pywas_default() -> None:
    assert (
        adapter("http://127.0.0.1:8080/fake/whatsapp").graph_url
        == "http://127.0.0.1:8080/fake/whatsapp/v22.0"
    )
    assert adapter(api_version="21.0").graph_url == "https://graph.facebook.com/v21.0"


@pytest.mark.parametrize(
    ("field", "value"), [("app_secret", ""), ("verify_token", ""), ("token", ""), ("phone_id", "abc")]
)
def test_constructor_requires_every_credential(field: str, value: str) -> None:
    """pywa asserts on webhooks without an app secret; we never run without one."""
    with pytest.raises(ValueError, match="WhatsApp"):
        adapter(**{field: value})


def test_subscription_handshake_echoes_the_challenge_only_for_the_right_token() -> None:
    whatsapp = adapter()
    good = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    assert whatsapp.verify_subscription(good) == "1158201444"
    assert whatsapp.verify_subscription({**good, "hub.verify_token": "wrong"}) is None
    assert whatsapp.verify_subscription({**good, "hub.mode": "unsubscribe"}) is None
    assert whatsapp.verify_subscription({"hub.challenge": "1"}) is None


def test_signature_is_an_hmac_of_the_raw_body_with_the_app_secret() -> None:
    whatsapp = adapter()
    raw = fixture("text")
    headers = signed(raw)
    assert whatsapp.verify(headers, raw)
    hex_digest = headers["X-Hub-Signature-256"].removeprefix("sha256=")
    assert whatsapp.verify({"x-hub-signature-256": f"sha256={hex_digest.upper()}"}, raw)
    assert not whatsapp.verify(headers, raw + b" ")
    assert not whatsapp.verify(signed(raw, "another-secret"), raw)
    assert not whatsapp.verify({"X-Hub-Signature-256": headers["X-Hub-Signature-256"][7:]}, raw)
    assert not whatsapp.verify({"X-Hub-Signature-256": "sha1=" + "0" * 40}, raw)
    assert not whatsapp.verify({}, raw)


# ---- parsing -------------------------------------------------------------------------------------


def test_text_message() -> None:
    event = parse_one("text")
    assert event.event_id == "wamid.HBgLNzkxNjEyMzQ1NjcVAgASGBQzQTdGRTk001"
    assert event.conversation == ConversationRef(
        channel=Channel.WHATSAPP, bot="legal", chat_id=WA_ID, user_id=WA_ID
    )
    assert event.sender == Sender(
        user_id=WA_ID, display_name="Анна Петрова", first_name="Анна", locale=None, verified_phone=f"+{WA_ID}"
    )
    assert event.body == TextBody(text="Здравствуйте! Хочу уточнить статус обращения")
    assert event.raw["type"] == "text"


def test_contacts_without_user_id_still_parse() -> None:
    """pywa 4.5 needs ``contacts[].user_id``; most payloads in the wild have none."""
    event = parse_one("text_without_user_id")
    assert event.sender.display_name == "Анна Петрова"
    assert event.body == TextBody(text="Добрый день")


def test_a_message_without_contacts_keeps_the_sender_without_a_name() -> None:
    [event] = adapter().parse(edited("text", lambda value: value.pop("contacts")))
    assert event.sender == Sender(user_id=WA_ID, verified_phone=f"+{WA_ID}")


def test_sender_known_only_by_business_scoped_id() -> None:
    def only_bsuid(value: dict[str, Any]) -> None:
        message = value["messages"][0]
        del message["from"]
        message["from_user_id"] = BSUID

    [event] = adapter().parse(edited("text", only_bsuid))
    assert event.conversation.chat_id == BSUID
    assert event.sender.display_name == "Анна Петрова"
    assert event.sender.verified_phone is None


@pytest.mark.parametrize(
    ("name", "payload"), [("button_reply", "go:my_requests"), ("list_reply", "go:refund")]
)
def test_interactive_replies_are_button_presses(name: str, payload: str) -> None:
    assert parse_one(name).body == ButtonPress(payload=payload)


def test_template_quick_reply_is_a_button_press() -> None:
    assert parse_one("template_button").body == ButtonPress(payload="answer:open")


def test_audio_and_voice() -> None:
    audio = parse_one("audio").body
    assert audio == FileBody(media=MediaKind.AUDIO, file_id="1003383421387256", mime_type="audio/mpeg")
    voice = parse_one("voice").body
    assert isinstance(voice, FileBody)
    assert (voice.media, voice.file_id, voice.mime_type) == (
        MediaKind.VOICE,
        "1003383421387257",
        "audio/ogg; codecs=opus",
    )


def test_document_image_and_video() -> None:
    assert parse_one("document").body == FileBody(
        media=MediaKind.DOCUMENT,
        file_id="1003383421387258",
        mime_type="application/pdf",
        file_name="договор аренды.pdf",
        caption="Договор, о котором я спрашивала",
    )
    image = parse_one("image").body
    assert isinstance(image, FileBody)
    assert (image.media, image.caption) == (MediaKind.IMAGE, "Фото квитанции")
    video = parse_one("video").body
    assert isinstance(video, FileBody)
    assert (video.media, video.mime_type) == (MediaKind.VIDEO, "video/mp4")


def test_own_contact_is_verified_and_normalized() -> None:
    assert parse_one("contacts_own").body == ContactShared(
        phone="+79161234567", verified=True, first_name="Анна", last_name="Петрова"
    )


def test_someone_elses_contact_is_not_verified() -> None:
    assert parse_one("contacts_foreign").body == ContactShared(
        phone="+79037654321", verified=False, first_name="Иван"
    )


def test_location() -> None:
    assert parse_one("location").body == LocationBody(latitude=55.751244, longitude=37.618423)


@pytest.mark.parametrize("name", ["reaction", "sticker", "unsupported"])
def test_reactions_stickers_and_unknown_types_are_unsupported(name: str) -> None:
    assert parse_one(name).body == UnsupportedBody(what=name)


def test_a_type_newer_than_this_parser_is_unsupported() -> None:
    [event] = adapter().parse(edited("text", lambda value: value["messages"][0].update(type="poll")))
    assert event.body == UnsupportedBody(what="poll")


def test_first_contact_is_a_start() -> None:
    assert parse_one("request_welcome").body == StartBody(payload=None)


def test_statuses_are_status_events_keyed_by_message_and_status() -> None:
    events = adapter().parse(fixture("statuses"))
    wamid = "wamid.HBgLNzkxNjEyMzQ1NjcVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"
    assert [event.event_id for event in events] == [f"{wamid}:sent", f"{wamid}:delivered", f"{wamid}:read"]
    assert [event.body for event in events] == [
        StatusBody(status=status, message_id=wamid) for status in ("sent", "delivered", "read")
    ]
    assert {event.conversation.chat_id for event in events} == {WA_ID}


def test_failed_status_carries_the_error_code_and_title() -> None:
    [event] = adapter().parse(fixture("status_failed"))
    assert event.body == StatusBody(
        status="failed",
        message_id="wamid.HBgLNzkxNjEyMzQ1NjcVAgARGBJFRkQ0OUE4MUE5QTBCM0E3QUIA",
        error="131047 Re-engagement message",
    )


def test_unknown_statuses_are_skipped() -> None:
    assert adapter().parse(edited("status_failed", lambda v: v["statuses"][0].update(status="played"))) == []


def test_other_webhook_fields_and_other_numbers_are_skipped() -> None:
    assert adapter().parse(fixture("account_update")) == []
    other = edited("text", lambda value: value["metadata"].update(phone_number_id="999"))
    assert adapter().parse(other) == []


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"\xff\xfe",
        b"[1, 2]",
        b"{}",
        b'{"object": "page", "entry": []}',
        b'{"object": "whatsapp_business_account"}',
    ],
)
def test_malformed_bodies_are_bad_requests(raw: bytes) -> None:
    with pytest.raises(BadRequest):
        adapter().parse(raw)


@pytest.mark.parametrize(
    "message",
    [
        b'{"type": "text"}',
        b'{"id": "wamid.1", "type": "text", "text": {"body": "secret words"}}',
        b'{"id": "wamid.2", "from": "79161234567", "type": "text", "text": "secret words"}',
    ],
)
def test_a_message_that_cannot_be_read_is_skipped_without_its_content_logged(
    message: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    raw = (
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", '
        b'"value": {"messages": [' + message + b"]}}]}]}"
    )
    assert adapter().parse(raw) == []
    assert "message 0 of a batch skipped" in caplog.text
    assert "secret words" not in caplog.text


def test_parsed_events_round_trip_through_json() -> None:
    for path in sorted(FIXTURES.glob("*.json")):
        for event in adapter().parse(path.read_bytes()):
            assert Inbound.model_validate_json(event.model_dump_json()) == event


def test_the_sender_phone_is_verified_by_whatsapp() -> None:
    assert parse_one("text").sender.verified_phone == "+79161234567"


def test_the_customer_service_window_is_24_hours() -> None:
    now = datetime(2025, 6, 9, 12, 0, tzinfo=UTC)
    assert window_open(now - timedelta(hours=23, minutes=59), now)
    assert not window_open(now - timedelta(hours=24), now)
    assert not window_open(None, now)


# ---- the app side of the webhook, against the fake Cloud API -----------------------------------------


class Platform:
    """The fake Cloud API and a bot webhook in one server, as in demo mode."""

    def __init__(self, base: str, http: aiohttp.ClientSession, received: list[Inbound]) -> None:
        self.base = base
        self.fake = f"{base}{PREFIX}"
        self.http = http
        self.received = received

    async def user_writes(self, name: str = "text") -> dict[str, Any]:
        async with self.http.post(f"{self.fake}/updates", data=fixture(name)) as response:
            assert response.status == 200, await response.text()
            return dict(await response.json())

    async def calls(self, **query: str) -> list[dict[str, Any]]:
        async with self.http.get(f"{self.fake}/outbox", params=query) as response:
            return list((await response.json())["calls"])

    async def messages(self) -> list[dict[str, Any]]:
        return [call for call in await self.calls(method=f"/{PHONE_ID}/messages") if call["ok"]]

    async def control(self, **command: Any) -> None:
        async with self.http.post(f"{self.fake}/control", json=command) as response:
            assert response.status == 200, await response.text()


def webhook_routes(
    app: web.Application, bot_side: dict[str, WhatsAppAdapter], received: list[Inbound]
) -> None:
    async def subscribe(request: web.Request) -> web.Response:
        challenge = bot_side["adapter"].verify_subscription(request.query)
        return web.Response(text=challenge) if challenge is not None else web.Response(status=403)

    async def deliver(request: web.Request) -> web.Response:
        raw = await request.read()
        if not bot_side["adapter"].verify(request.headers, raw):
            return web.Response(status=401)
        received.extend(bot_side["adapter"].parse(raw))
        return web.json_response({"ok": True})

    app.router.add_get("/webhooks/legal/whatsapp", subscribe)
    app.router.add_post("/webhooks/legal/whatsapp", deliver)


@pytest.fixture
async def platform() -> AsyncIterator[tuple[Platform, dict[str, WhatsAppAdapter]]]:
    app = web.Application()
    FakeWhatsApp().mount(app, PREFIX)
    bot_side: dict[str, WhatsAppAdapter] = {}
    received: list[Inbound] = []
    webhook_routes(app, bot_side, received)
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as http:
        base = str(server.make_url("")).rstrip("/")
        bot_side["adapter"] = adapter(f"{base}{PREFIX}")
        yield Platform(base, http, received), bot_side
        await bot_side["adapter"].close()


@pytest.fixture
async def fake(platform: tuple[Platform, dict[str, WhatsAppAdapter]]) -> Platform:
    return platform[0]


@pytest.fixture
async def whatsapp(platform: tuple[Platform, dict[str, WhatsAppAdapter]]) -> WhatsAppAdapter:
    """The bot's adapter, registered with the fake, after the user wrote (the window is open)."""
    fake, bot_side = platform
    await bot_side["adapter"].start(fake.base)
    await fake.user_writes("text")
    return bot_side["adapter"]


def message(chat_id: str = WA_ID, **fields: Any) -> RenderedMessage:
    conversation = ConversationRef(channel=Channel.WHATSAPP, bot="legal", chat_id=chat_id, user_id=chat_id)
    return RenderedMessage(conversation=conversation, idempotency_key="out-1:0", **fields)


def conversation(chat_id: str = WA_ID) -> ConversationRef:
    return message(chat_id).conversation


async def test_start_registers_with_the_fake_after_the_verification_handshake(
    whatsapp: WhatsAppAdapter, fake: Platform
) -> None:
    [event] = fake.received
    assert event.body == TextBody(text="Здравствуйте! Хочу уточнить статус обращения")


async def test_start_with_a_wrong_verify_token_is_refused(
    platform: tuple[Platform, dict[str, WhatsAppAdapter]],
) -> None:
    fake, _ = platform
    impostor = adapter(f"{fake.base}{PREFIX}", verify_token="not-the-bots-token")
    try:
        with pytest.raises(SendError, match="refused"):
            await impostor.start(fake.base)
    finally:
        await impostor.close()
    async with fake.http.post(f"{fake.fake}/updates", data=fixture("text")) as response:
        assert response.status == 409


async def test_start_against_meta_only_says_which_url_to_configure(caplog: pytest.LogCaptureFixture) -> None:
    real = adapter()
    try:
        with caplog.at_level(logging.INFO, logger="adapters.whatsapp"):
            await real.start("https://bots.example.org/")
            await real.start(None)
    finally:
        await real.close()
    assert "https://bots.example.org/webhooks/legal/whatsapp" in caplog.text
    assert VERIFY_TOKEN not in caplog.text


async def test_text_goes_to_the_wa_id(whatsapp: WhatsAppAdapter, fake: Platform) -> None:
    wamid = await whatsapp.send(message(text="Ваше обращение №1042 в работе"))
    [call] = await fake.messages()
    assert wamid == call["result"]["messages"][0]["id"]
    assert str(wamid).startswith("wamid.")
    body = call["body"]
    assert (body["to"], body["type"], body["text"]["body"]) == (
        WA_ID,
        "text",
        "Ваше обращение №1042 в работе",
    )
    assert "recipient" not in body


async def test_a_business_scoped_user_is_addressed_by_recipient(
    whatsapp: WhatsAppAdapter, fake: Platform
) -> None:
    """pywa sends to BSUIDs with ``recipient``, not ``to``; the Cloud API accepts both."""
    await whatsapp.send(message(chat_id=BSUID, text="Здравствуйте"))
    [call] = await fake.messages()
    assert call["body"]["recipient"] == BSUID
    assert "to" not in call["body"]


async def test_three_choices_are_reply_buttons(whatsapp: WhatsAppAdapter, fake: Platform) -> None:
    buttons = tuple(RenderedButton(title=f"Вариант {n}", payload=f"p{n}") for n in range(3))
    await whatsapp.send(message(text="Выберите", layout="buttons", buttons=buttons))
    [call] = await fake.messages()
    interactive = call["body"]["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"] == {"text": "Выберите"}
    assert [b["reply"] for b in interactive["action"]["buttons"]] == [
        {"id": f"p{n}", "title": f"Вариант {n}"} for n in range(3)
    ]


async def test_more_choices_are_a_list_with_a_section(whatsapp: WhatsAppAdapter, fake: Platform) -> None:
    rows = tuple(
        RenderedButton(title=f"Пункт {n}", payload=f"row{n}", description="Описание" if n == 0 else None)
        for n in range(6)
    )
    await whatsapp.send(message(text="Меню", layout="list", buttons=rows, list_title="Разделы"))
    [call] = await fake.messages()
    interactive = call["body"]["interactive"]
    assert interactive["type"] == "list"
    action = interactive["action"]
    assert action["button"] == "Разделы"
    [section] = action["sections"]
    assert section["title"] == "Разделы"
    assert section["rows"][0] == {"id": "row0", "title": "Пункт 0", "description": "Описание"}
    assert [row["id"] for row in section["rows"]] == [f"row{n}" for n in range(6)]


async def test_a_list_without_its_label_is_refused_rather_than_shown_with_a_symbol(
    whatsapp: WhatsAppAdapter, fake: Platform
) -> None:
    rows = tuple(RenderedButton(title=f"Пункт {n}", payload=f"row{n}") for n in range(5))
    with pytest.raises(SendError, match="label") as raised:
        await whatsapp.send(message(text="Меню", layout="list", buttons=rows))
    assert raised.value.permanent
    assert await fake.messages() == []


async def test_a_contact_request_is_plain_text(whatsapp: WhatsAppAdapter, fake: Platform) -> None:
    await whatsapp.send(message(request_contact="📱 Отправить номер"))
    [call] = await fake.messages()
    assert call["body"]["text"]["body"] == "📱 Отправить номер"


async def test_bytes_are_uploaded_then_sent_by_media_id(whatsapp: WhatsAppAdapter, fake: Platform) -> None:
    attachment = Attachment(
        kind=AttachmentKind.DOCUMENT,
        source=FileSource(data=b"%PDF-1.4 contract"),
        file_name="договор.pdf",
        caption="Ваш договор",
    )
    await whatsapp.send(message(attachment=attachment))
    [upload] = await fake.calls(method=f"/{PHONE_ID}/media")
    assert upload["body"]["file"] == {"file_name": "договор.pdf", "size": 17}
    assert upload["body"]["type"] == "application/pdf"
    [call] = await fake.messages()
    assert call["body"]["document"] == {
        "id": upload["result"]["id"],
        "caption": "Ваш договор",
        "filename": "договор.pdf",
    }


async def test_links_and_media_ids_are_sent_as_they_are(whatsapp: WhatsAppAdapter, fake: Platform) -> None:
    by_link = Attachment(kind=AttachmentKind.IMAGE, source=FileSource(url="https://example.org/r/1.jpg"))
    await whatsapp.send(message(attachment=by_link))
    uploaded = Attachment(kind=AttachmentKind.VOICE, source=FileSource(data=b"OggS voice"))
    await whatsapp.send(message(attachment=uploaded))
    [upload] = await fake.calls(method=f"/{PHONE_ID}/media")
    by_id = Attachment(kind=AttachmentKind.AUDIO, source=FileSource(file_id=upload["result"]["id"]))
    await whatsapp.send(message(attachment=by_id))
    image, voice, audio = await fake.messages()
    assert image["body"]["image"] == {"link": "https://example.org/r/1.jpg"}
    assert voice["body"]["audio"]["voice"] is True
    assert audio["body"]["audio"]["id"] == upload["result"]["id"]


async def test_an_audio_caption_follows_as_text(whatsapp: WhatsAppAdapter, fake: Platform) -> None:
    recording = Attachment(
        kind=AttachmentKind.AUDIO,
        source=FileSource(url="https://example.org/rec/17.mp3"),
        caption="Звонок 17.05",
    )
    wamid = await whatsapp.send(message(attachment=recording))
    audio, caption = await fake.messages()
    assert audio["body"]["audio"] == {"link": "https://example.org/rec/17.mp3"}
    assert caption["body"]["text"]["body"] == "Звонок 17.05"
    assert wamid == caption["result"]["messages"][0]["id"]


async def test_outside_the_window_text_fails_but_a_template_goes(
    whatsapp: WhatsAppAdapter, fake: Platform
) -> None:
    await fake.control(close_window_for=[WA_ID])
    with pytest.raises(OutsideWindow) as raised:
        await whatsapp.send(message(text="Ответ готов"))
    assert (raised.value.permanent, raised.value.code) == (True, 131047)
    wamid = await whatsapp.send_template(conversation(), TemplateRef(key="answer_ready", params=("№1042",)))
    [call] = await fake.messages()
    assert wamid == call["result"]["messages"][0]["id"]
    assert call["body"]["template"] == {
        "name": "legal_answer_ready",
        "language": {"code": "ru"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "№1042"}]}],
    }
    await fake.user_writes("text_without_user_id")
    assert await whatsapp.send(message(text="Ответ готов"))


async def test_templates_must_be_declared_and_approved(whatsapp: WhatsAppAdapter, fake: Platform) -> None:
    with pytest.raises(SendError, match="no template is declared") as undeclared:
        await whatsapp.send_template(conversation(), TemplateRef(key="promo"))
    assert undeclared.value.permanent
    with pytest.raises(SendError, match="parameters"):
        await whatsapp.send_template(conversation(), TemplateRef(key="answer_ready"))
    await fake.control(approved_templates=["legal_*"])
    with pytest.raises(SendError) as unapproved:
        await whatsapp.send_template(conversation(), TemplateRef(key="reminder"))
    assert (unapproved.value.code, unapproved.value.permanent) == (132001, True)


def test_a_template_language_whatsapp_does_not_know_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="template language"):
        TemplateSpec(name="legal_answer_ready", language="xx-klingon", body_params=1)


async def test_templates_declared_by_the_bot_are_approved_in_the_fake_on_start(
    whatsapp: WhatsAppAdapter, fake: Platform
) -> None:
    await fake.control(approved_templates=[])
    await whatsapp.start(fake.base)
    assert await whatsapp.send_template(conversation(), TemplateRef(key="reminder"))


async def test_a_user_who_never_wrote_is_undeliverable(whatsapp: WhatsAppAdapter) -> None:
    with pytest.raises(SendError) as raised:
        await whatsapp.send(message(chat_id="79990000000", text="Здравствуйте"))
    assert (raised.value.code, raised.value.permanent, raised.value.retry_after) == (131026, True, None)


@pytest.mark.parametrize(("code", "retry_after"), [(130429, 1.0), (131056, 6.0), (4, 60.0), (80007, 60.0)])
async def test_rate_limits_ask_to_retry_later(
    whatsapp: WhatsAppAdapter, fake: Platform, code: int, retry_after: float
) -> None:
    await fake.control(fail_next=[{"code": code}])
    with pytest.raises(SendError) as raised:
        await whatsapp.send(message(text="hi"))
    assert (raised.value.code, raised.value.retry_after, raised.value.permanent) == (code, retry_after, False)


@pytest.mark.parametrize("code", [131026, 131051, 131009, 100])
async def test_refusals_are_permanent(whatsapp: WhatsAppAdapter, fake: Platform, code: int) -> None:
    await fake.control(fail_next=[{"code": code}])
    with pytest.raises(SendError) as raised:
        await whatsapp.send(message(text="hi"))
    assert (raised.value.code, raised.value.permanent) == (code, True)
    assert not isinstance(raised.value, OutsideWindow)


async def test_platform_limits_are_enforced_by_the_fake_and_permanent(whatsapp: WhatsAppAdapter) -> None:
    buttons = tuple(RenderedButton(title=f"B{n}", payload=f"p{n}") for n in range(4))
    with pytest.raises(SendError) as raised:
        await whatsapp.send(message(text="?", layout="buttons", buttons=buttons))
    assert (raised.value.code, raised.value.permanent) == (131009, True)


async def test_a_wrong_token_is_permanent(platform: tuple[Platform, dict[str, WhatsAppAdapter]]) -> None:
    fake, bot_side = platform
    await bot_side["adapter"].start(fake.base)
    await fake.user_writes("text")
    wrong = adapter(f"{fake.base}{PREFIX}", token="EAA-revoked")
    try:
        with pytest.raises(SendError) as raised:
            await wrong.send(message(text="hi"))
    finally:
        await wrong.close()
    assert (raised.value.code, raised.value.permanent) == (190, True)


async def test_server_errors_and_an_unreachable_api_are_transient(
    whatsapp: WhatsAppAdapter, fake: Platform
) -> None:
    await fake.control(fail_next=[{"code": 131000, "http_status": 500, "message": "Something went wrong"}])
    with pytest.raises(SendError) as raised:
        await whatsapp.send(message(text="hi"))
    assert (raised.value.permanent, raised.value.retry_after) == (False, None)

    unreachable = adapter("http://127.0.0.1:9/fake/whatsapp")
    try:
        with pytest.raises(SendError) as raised:
            await unreachable.send(message(text="hi"))
        assert not raised.value.permanent
    finally:
        await unreachable.close()


async def test_acknowledge_marks_the_message_read_and_never_raises(
    whatsapp: WhatsAppAdapter, fake: Platform
) -> None:
    [event] = fake.received
    await whatsapp.acknowledge(event)
    [receipt] = await fake.calls(method=f"/{PHONE_ID}/messages")
    assert receipt["body"] == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": event.event_id,
    }
    assert receipt["ok"]

    unknown = event.model_copy(update={"event_id": "wamid.unknown", "message_key": "wamid.unknown"})
    await whatsapp.acknowledge(unknown)
    [status] = adapter().parse(fixture("statuses"))[:1]
    await whatsapp.acknowledge(status)
    calls = await fake.calls(method=f"/{PHONE_ID}/messages")
    assert [call["ok"] for call in calls] == [True, False]


async def test_statuses_reach_the_webhook_when_auto_status_is_on(
    whatsapp: WhatsAppAdapter, fake: Platform
) -> None:
    await fake.control(auto_status=True)
    wamid = await whatsapp.send(message(text="Ответ"))

    async def three_received() -> bool:
        return len(fake.received) >= 3

    await eventually(three_received, "the message and its two statuses reach the webhook")
    statuses = [event.body for event in fake.received[1:]]
    assert statuses == [
        StatusBody(status="sent", message_id=str(wamid)),
        StatusBody(status="delivered", message_id=str(wamid)),
    ]
