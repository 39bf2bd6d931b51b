from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
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
    Body,
    ButtonPress,
    Channel,
    ChannelAdapter,
    ContactShared,
    ConversationRef,
    FileBody,
    FileSource,
    Inbound,
    LocationBody,
    MediaKind,
    RecipientGone,
    RenderedButton,
    RenderedMessage,
    SendError,
    StartBody,
    StatusBody,
    SubscribedBody,
    TextBody,
    UnsubscribedBody,
    UnsupportedBody,
    WelcomesInWebhookResponse,
)
from adapters.viber import SHARE_PHONE_ACTION, ViberAdapter
from bots.demo.viber import FakeViber
from tests.support.viber_user import ViberUser

FIXTURES = Path(__file__).parent / "fixtures" / "viber"
TOKEN = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f"
USER_ID = "5u8EHLL8EtCiGV7EIS3H1Q=="
FILE_BYTES = b"%PDF-1.7 " + b"x" * 2039


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def signature(body: bytes, token: str = TOKEN) -> str:
    return hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def adapter(api_base: str | None = None, token: str = TOKEN) -> ViberAdapter:
    return ViberAdapter("legal", token, name="Юрист 24/7", api_base=api_base)


def parse_one(name: str) -> Inbound:
    [event] = adapter().parse(fixture(name))
    return event


def conversation(user_id: str = USER_ID) -> ConversationRef:
    return ConversationRef(channel=Channel.VIBER, bot="legal", chat_id=user_id, user_id=user_id)


def rendered(**fields: Any) -> RenderedMessage:
    return RenderedMessage(conversation=conversation(), idempotency_key="out:0", **fields)


def buttons(*titles: str) -> tuple[RenderedButton, ...]:
    return tuple(RenderedButton(title=title, payload=f"menu:{index}") for index, title in enumerate(titles))


# ---- verify and parse ------------------------------------------------------------------------


def test_is_a_channel_adapter_with_viber_limits() -> None:
    viber = adapter()
    assert isinstance(viber, ChannelAdapter)
    assert isinstance(viber, WelcomesInWebhookResponse)
    assert viber.channel is Channel.VIBER
    caps = viber.capabilities
    assert (caps.max_text_length, caps.max_buttons, caps.max_button_title) == (7000, 24, 40)
    assert caps.max_payload_bytes == 4096 - len("btn:")
    assert (caps.supports_list, caps.supports_contact_request) == (False, True)
    assert caps.media == {AttachmentKind.DOCUMENT, AttachmentKind.IMAGE}
    assert (caps.files_by_url_only, caps.keyboard_per_conversation) == (True, True)
    assert (viber.rate_limits.per_bot, viber.rate_limits.per_bot_burst, viber.rate_limits.per_chat) == (
        45.0,
        1,
        1.0,
    )
    assert viber.retry_horizon.total_seconds() == 3600


def test_a_sender_name_beyond_vibers_limit_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="28"):
        ViberAdapter("legal", TOKEN, name="x" * 29)


def test_verify_checks_the_hmac_of_the_raw_body_with_the_auth_token() -> None:
    viber = adapter()
    body = fixture("text")
    assert viber.verify({"X-Viber-Content-Signature": signature(body)}, body)
    assert viber.verify({"x-viber-content-signature": signature(body).upper()}, body)
    assert not viber.verify({"X-Viber-Content-Signature": signature(body, "other-token")}, body)
    assert not viber.verify({"X-Viber-Content-Signature": signature(body)}, body + b" ")
    assert not viber.verify({"X-Viber-Content-Signature": ""}, body)
    assert not viber.verify({}, body)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("text", TextBody(text="Здравствуйте, нужна консультация")),
        ("button_press", ButtonPress(payload="main_menu:0")),
        ("location", LocationBody(latitude=55.751244, longitude=37.618423)),
        ("url", TextBody(text="https://example.org/court/decision/123")),
        ("sticker", UnsupportedBody(what="sticker")),
        ("unknown_message_type", UnsupportedBody(what="poll")),
        ("share_phone_desktop", UnsupportedBody(what="contact")),
        ("subscribed", SubscribedBody()),
        ("conversation_started", StartBody(payload="promo-june")),
        ("unsubscribed", UnsubscribedBody()),
        ("delivered", StatusBody(status="delivered", message_id="5741311803571721087")),
        ("seen", StatusBody(status="read", message_id="5741311803571721087")),
        (
            "failed",
            StatusBody(status="failed", message_id="5741311803571721088", error="failure description"),
        ),
    ],
)
def test_each_callback_becomes_its_normalized_body(name: str, body: Body) -> None:
    event = parse_one(name)
    assert event.body == body
    assert event.conversation == conversation()
    assert event.raw == json.loads(fixture(name))


def test_the_sender_comes_from_the_viber_profile() -> None:
    sender = parse_one("text").sender
    assert (sender.user_id, sender.display_name, sender.first_name, sender.locale) == (
        USER_ID,
        "Анна Петрова",
        "Анна",
        "ru",
    )
    assert parse_one("unsubscribed").sender.user_id == USER_ID


def test_event_ids_keep_statuses_of_one_message_apart() -> None:
    assert parse_one("text").event_id == "5989346129637498510"
    assert parse_one("delivered").event_id == "delivered:5741311803571721087"
    assert parse_one("seen").event_id == "seen:5741311803571721087"
    assert parse_one("conversation_started").event_id == "conversation_started:5989346129637498501"


def test_the_message_key_is_the_durable_message_token() -> None:
    event = parse_one("text")
    assert event.message_key == event.event_id == "5989346129637498510"


def test_only_conversation_started_of_a_new_user_expects_a_welcome_in_the_response() -> None:
    viber = adapter()
    assert viber.welcome_expected(parse_one("conversation_started"))
    assert not viber.welcome_expected(parse_one("subscribed"))
    assert not viber.welcome_expected(parse_one("text"))


def test_a_subscribed_user_reopening_the_chat_is_not_welcomed_again() -> None:
    """Regression: every conversation_started was answered with the welcome, greeting mid-dialog."""
    raw = json.loads(fixture("conversation_started")) | {"subscribed": True}
    without_link = {key: value for key, value in raw.items() if key != "context"}
    assert adapter().parse(json.dumps(without_link).encode()) == []
    [deep_link] = adapter().parse(json.dumps(raw).encode())
    assert deep_link.body == StartBody(payload="promo-june")
    assert not adapter().welcome_expected(deep_link)


def test_subscribing_after_the_welcome_starts_nothing() -> None:
    """Regression: ``subscribed`` was a start, so the bot greeted again right after the welcome."""
    assert parse_one("subscribed").body == SubscribedBody()


def test_a_phone_from_the_share_phone_button_is_verified_and_normalized() -> None:
    assert parse_one("contact_shared").body == ContactShared(phone="+79161234567", verified=True)


def test_a_forwarded_contact_card_is_not_verified() -> None:
    assert parse_one("contact_card").body == ContactShared(
        phone="+79037654321", verified=False, first_name="Иван", last_name="Сидоров"
    )


@pytest.mark.parametrize(
    ("name", "media", "expected"),
    [
        ("picture", MediaKind.IMAGE, ("IMG_20240610_101112.jpg", 184233, "image/jpeg", "договор, стр. 1")),
        ("file", MediaKind.DOCUMENT, ("claim.pdf", 48211, "application/pdf", None)),
        ("file_audio", MediaKind.AUDIO, ("call.mp3", 902144, "audio/mpeg", None)),
        ("video", MediaKind.VIDEO, (None, 1893812, "video/mp4", None)),
    ],
)
def test_media_messages_become_files_addressed_by_their_url(
    name: str, media: MediaKind, expected: tuple[Any, ...]
) -> None:
    body = parse_one(name).body
    assert isinstance(body, FileBody)
    assert body.media is media
    assert body.file_id == json.loads(fixture(name))["message"]["media"]
    assert (body.file_name, body.size, body.mime_type, body.caption) == expected


def test_the_webhook_check_carries_no_event() -> None:
    assert adapter().parse(fixture("webhook")) == []


def test_a_hand_typed_prefix_alone_stays_text() -> None:
    raw = json.loads(fixture("text"))
    raw["message"]["text"] = "btn:"
    [event] = adapter().parse(json.dumps(raw).encode())
    assert event.body == TextBody(text="btn:")


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"timestamp": 1}',
        fixture("unknown_event"),
        fixture("message_without_sender"),
        b'{"event": "message", "timestamp": 1, "message_token": 1, "sender": {"id": "u"}, "message": {}}',
        b'{"event": "delivered", "timestamp": 1}',
        b'{"event": "subscribed", "timestamp": 1, "user": {"name": "no id"}}',
    ],
)
def test_malformed_or_unknown_callbacks_are_bad_requests(raw: bytes) -> None:
    with pytest.raises(BadRequest):
        adapter().parse(raw)


# ---- sending through the fake Viber --------------------------------------------------------


class Harness:
    """The fake Viber and the bot's webhook in one server, the webhook parsing with the adapter."""

    def __init__(self) -> None:
        self.fake = FakeViber(webhook_wait=0.2)
        self.events: list[Inbound] = []
        self.welcome: RenderedMessage | None = None
        self.viber: ViberAdapter | None = None
        self.base_url = ""
        self.file_requests = 0

    async def webhook(self, request: web.Request) -> web.Response:
        assert self.viber is not None
        raw = await request.read()
        if not self.viber.verify(request.headers, raw):
            return web.json_response({"ok": False}, status=401)
        events = self.viber.parse(raw)
        self.events.extend(events)
        if events and self.viber.welcome_expected(events[0]) and self.welcome is not None:
            return web.json_response(self.viber.welcome_body(self.welcome))
        return web.json_response({"ok": True})

    async def file(self, request: web.Request) -> web.Response:
        self.file_requests += 1
        return web.Response(body=FILE_BYTES, content_type="application/pdf")

    def user(self, http: aiohttp.ClientSession, user_id: str = USER_ID) -> ViberUser:
        return ViberUser(http, self.base_url, user_id=user_id)


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    state = Harness()
    app = web.Application()
    state.fake.mount(app, "/fake/viber")
    app.router.add_post("/webhooks/legal/viber", state.webhook)
    app.router.add_get("/files/{name}", state.file)
    async with TestServer(app, host="127.0.0.1") as server:
        state.base_url = str(server.make_url("")).rstrip("/")
        state.viber = adapter(f"{state.base_url}/fake/viber/pa")
        await state.viber.start(state.base_url)
        yield state
        await state.viber.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def subscribed(harness: Harness, http: aiohttp.ClientSession) -> ViberAdapter:
    status, answer = await harness.user(http).post_callback(
        json.loads(fixture("text")) | {"message_token": 1}
    )
    assert (status, answer["delivered"]) == (200, True)
    assert harness.viber is not None
    return harness.viber


async def sent(harness: Harness) -> list[dict[str, Any]]:
    return [call for call in harness.fake.outbox.calls(method="send_message") if call.ok]


async def test_start_reads_the_account_and_sets_a_verified_webhook(harness: Harness) -> None:
    assert harness.viber is not None
    assert harness.viber.account_name == "Omnicab Demo"
    [call] = harness.fake.outbox.calls(method="set_webhook")
    assert call.ok
    assert call.body["url"] == f"{harness.base_url}/webhooks/legal/viber"
    assert set(call.body["event_types"]) == {
        "delivered",
        "seen",
        "failed",
        "subscribed",
        "unsubscribed",
        "conversation_started",
    }
    assert "auth_token" not in call.body


async def test_a_message_reaches_the_webhook_signed_and_parsed(
    harness: Harness, subscribed: ViberAdapter
) -> None:
    [event] = harness.events
    assert event.body == TextBody(text="Здравствуйте, нужна консультация")
    assert event.event_id == "1"


async def test_text_goes_with_the_sender_and_returns_the_message_token(
    harness: Harness, subscribed: ViberAdapter
) -> None:
    message_id = await subscribed.send(rendered(text="Добрый день!"))
    [call] = await sent(harness)
    assert message_id == str(call.result["message_token"])
    assert call.body == {
        "type": "text",
        "text": "Добрый день!",
        "receiver": USER_ID,
        "sender": {"name": "Юрист 24/7"},
    }


async def test_short_titles_pair_up_on_the_six_column_grid(
    harness: Harness, subscribed: ViberAdapter
) -> None:
    await subscribed.send(rendered(text="Меню", layout="buttons", buttons=buttons("Мои", "Новое", "Записи")))
    [call] = await sent(harness)
    keyboard = call.body["keyboard"]
    assert (keyboard["Type"], keyboard["DefaultHeight"], call.body["min_api_version"]) == (
        "keyboard",
        False,
        3,
    )
    assert [(b["Columns"], b["Rows"], b["ActionBody"]) for b in keyboard["Buttons"]] == [
        (3, 1, "btn:menu:0"),
        (3, 1, "btn:menu:1"),
        (6, 1, "btn:menu:2"),
    ]
    assert all(b["ActionType"] == "reply" and b["Silent"] for b in keyboard["Buttons"])


async def test_a_long_title_puts_every_button_on_its_own_row(
    harness: Harness, subscribed: ViberAdapter
) -> None:
    titles = ("Мои обращения и их статусы", "Новое")
    await subscribed.send(rendered(text="Меню", layout="buttons", buttons=buttons(*titles)))
    [call] = await sent(harness)
    assert [(b["Columns"], b["Text"]) for b in call.body["keyboard"]["Buttons"]] == [(6, t) for t in titles]


async def test_a_button_press_comes_back_as_the_buttons_payload(
    harness: Harness, subscribed: ViberAdapter, http: aiohttp.ClientSession
) -> None:
    await subscribed.send(rendered(text="Меню", layout="buttons", buttons=buttons("Мои", "Новое")))
    user = harness.user(http)
    user.seen_seq = 0
    await user.replies()
    await user.post_callback(
        user.message_callback({"type": "text", "text": user.find_button("Новое")["ActionBody"]})
    )
    assert harness.events[-1].body == ButtonPress(payload="menu:1")


async def test_a_contact_request_is_a_share_phone_button_whose_answer_is_verified(
    harness: Harness, subscribed: ViberAdapter, http: aiohttp.ClientSession
) -> None:
    await subscribed.send(rendered(text="Поделитесь номером", request_contact="Отправить номер"))
    [call] = await sent(harness)
    assert call.body["min_api_version"] == 3
    assert call.body["keyboard"]["Buttons"] == [
        {
            "Columns": 6,
            "Rows": 1,
            "ActionType": "share-phone",
            "ActionBody": SHARE_PHONE_ACTION,
            "Text": "Отправить номер",
            "TextSize": "regular",
        }
    ]
    user = harness.user(http)
    await user.replies()
    status, _ = await user.post_callback(
        user.message_callback(
            {"type": "contact", "text": SHARE_PHONE_ACTION, "contact": {"phone_number": "79161234567"}}
        )
    )
    assert status == 200
    assert harness.events[-1].body == ContactShared(phone="+79161234567", verified=True)


async def test_a_picture_goes_by_url_with_its_caption(harness: Harness, subscribed: ViberAdapter) -> None:
    picture = Attachment(
        kind=AttachmentKind.IMAGE, source=FileSource(url=f"{harness.base_url}/files/scan.png"), caption="Скан"
    )
    await subscribed.send(rendered(attachment=picture))
    [call] = await sent(harness)
    assert (call.body["type"], call.body["media"], call.body["text"]) == (
        "picture",
        picture.source.url,
        "Скан",
    )


@pytest.mark.parametrize("kind", [AttachmentKind.DOCUMENT, AttachmentKind.AUDIO, AttachmentKind.VOICE])
async def test_documents_and_recordings_go_as_file_messages_of_their_declared_size(
    harness: Harness, subscribed: ViberAdapter, kind: AttachmentKind
) -> None:
    url = f"{harness.base_url}/files/call-2024-06-10.mp3?sig=abc"
    attachment = Attachment(kind=kind, source=FileSource(url=url), caption="Запись звонка", size=902144)
    message_id = await subscribed.send(rendered(attachment=attachment))
    caption, file = await sent(harness)
    assert caption.body["text"] == "Запись звонка"
    assert (file.body["type"], file.body["media"], file.body["size"]) == ("file", url, 902144)
    assert file.body["file_name"] == "call-2024-06-10.mp3"
    assert message_id == str(file.result["message_token"])


@pytest.mark.parametrize(
    ("file_name", "mime_type", "kind", "expected"),
    [
        (None, "audio/ogg", AttachmentKind.AUDIO, "audio.ogg"),
        ("Звонок 20.11", "audio/mpeg", AttachmentKind.AUDIO, "Звонок 20.11.mp3"),
        ("call", None, AttachmentKind.VOICE, "call.ogg"),
        ("answer.pdf", "application/pdf", AttachmentKind.DOCUMENT, "answer.pdf"),
        (None, None, AttachmentKind.DOCUMENT, "document.pdf"),
    ],
)
async def test_a_file_sent_by_a_signed_link_gets_a_name_with_an_extension(
    harness: Harness,
    subscribed: ViberAdapter,
    file_name: str | None,
    mime_type: str | None,
    kind: AttachmentKind,
    expected: str,
) -> None:
    """Regression: a recording went with the link's token as its name, which Viber cannot play."""
    url = f"{harness.base_url}/api/v1/files/MTczMjI4MDAwMDpyZWM.c2lnbmF0dXJlLW9mLXRoZS1saW5rLWhlcmUtNDMtY2g"
    attachment = Attachment(
        kind=kind, source=FileSource(url=url), file_name=file_name, mime_type=mime_type, size=2048
    )
    await subscribed.send(rendered(attachment=attachment))
    [file] = await sent(harness)
    assert file.body["file_name"] == expected


async def test_a_file_without_a_declared_size_fails_permanently_and_fetches_nothing(
    harness: Harness, subscribed: ViberAdapter
) -> None:
    """The size comes with the attachment: no request to the server that holds the file."""
    attachment = Attachment(
        kind=AttachmentKind.DOCUMENT,
        source=FileSource(url=f"{harness.base_url}/files/claim.pdf"),
        file_name="claim.pdf",
    )
    with pytest.raises(SendError, match="size") as raised:
        await subscribed.send(rendered(attachment=attachment))
    assert raised.value.permanent
    assert await sent(harness) == []
    assert harness.file_requests == 0


@pytest.mark.parametrize("source", [FileSource(data=b"%PDF"), FileSource(file_id="BQACAgIAAx")])
async def test_attachments_without_a_url_fail_permanently(source: FileSource) -> None:
    attachment = Attachment(kind=AttachmentKind.DOCUMENT, source=source, file_name="claim.pdf")
    with pytest.raises(SendError, match="by URL") as raised:
        await adapter("http://127.0.0.1:9/pa").send(rendered(attachment=attachment))
    assert raised.value.permanent


async def test_a_user_who_never_wrote_is_not_subscribed(
    harness: Harness, http: aiohttp.ClientSession
) -> None:
    assert harness.viber is not None
    await harness.user(http).post_callback(json.loads(fixture("conversation_started")))
    with pytest.raises(RecipientGone) as raised:
        await harness.viber.send(rendered(text="Здравствуйте"))
    assert raised.value.code == 6


async def test_an_unsubscribed_user_is_gone(
    harness: Harness, subscribed: ViberAdapter, http: aiohttp.ClientSession
) -> None:
    await harness.user(http).unsubscribe()
    assert isinstance(harness.events[-1].body, UnsubscribedBody)
    with pytest.raises(RecipientGone):
        await subscribed.send(rendered(text="Вы здесь?"))


async def test_conversation_started_is_answered_with_the_welcome_in_the_response(
    harness: Harness, http: aiohttp.ClientSession
) -> None:
    harness.welcome = rendered(text="Добро пожаловать!", layout="buttons", buttons=buttons("Меню"))
    user = harness.user(http)
    status, answer = await user.post_callback(json.loads(fixture("conversation_started")))
    assert status == 200
    assert answer["response"]["text"] == "Добро пожаловать!"
    assert answer["response"]["sender"] == {"name": "Юрист 24/7"}
    assert "receiver" not in answer["response"]
    [welcome] = await user.replies()
    assert (welcome.method, welcome.titles()) == ("welcome_message", ["Меню"])


def test_a_welcome_cannot_be_a_file() -> None:
    attachment = Attachment(kind=AttachmentKind.DOCUMENT, source=FileSource(url="https://x/y.pdf"))
    with pytest.raises(SendError):
        adapter().welcome_body(rendered(attachment=attachment))


@pytest.mark.parametrize(
    ("failure", "kind", "permanent", "retry_after"),
    [
        ({"status": 12}, SendError, False, 1.0),
        ({"status": 5}, RecipientGone, True, None),
        ({"status": 2}, SendError, True, None),
        ({"status": 3}, SendError, True, None),
        ({"status": 10}, SendError, True, None),
        ({"status": 99}, SendError, False, None),
        ({"http_status": 503}, SendError, False, None),
        ({"http_status": 429}, SendError, False, 1.0),
        ({"http_status": 400}, SendError, True, None),
    ],
)
async def test_viber_statuses_map_to_typed_errors(
    harness: Harness,
    subscribed: ViberAdapter,
    http: aiohttp.ClientSession,
    failure: dict[str, int],
    kind: type[SendError],
    permanent: bool,
    retry_after: float | None,
) -> None:
    async with http.post(f"{harness.base_url}/fake/viber/control", json={"fail_next": [failure]}) as response:
        assert response.status == 200
    with pytest.raises(SendError) as raised:
        await subscribed.send(rendered(text="Текст"))
    assert type(raised.value) is kind
    assert (raised.value.permanent, raised.value.retry_after) == (permanent, retry_after)


async def test_a_text_beyond_the_limit_is_bad_data(harness: Harness, subscribed: ViberAdapter) -> None:
    with pytest.raises(SendError) as raised:
        await subscribed.send(rendered(text="а" * 7001))
    assert (raised.value.code, raised.value.permanent) == (3, True)


async def test_a_wrong_token_fails_start_up_permanently(harness: Harness) -> None:
    wrong = adapter(f"{harness.base_url}/fake/viber/pa", token="not-a-viber-token")
    with pytest.raises(SendError) as raised:
        await wrong.start(harness.base_url)
    await wrong.close()
    assert (raised.value.code, raised.value.permanent) == (2, True)


async def test_an_unreachable_api_is_a_transient_failure() -> None:
    viber = adapter("http://127.0.0.1:9/pa")
    with pytest.raises(SendError) as raised:
        await viber.send(rendered(text="Текст"))
    await viber.close()
    assert not raised.value.permanent
    assert not isinstance(raised.value, RecipientGone)
