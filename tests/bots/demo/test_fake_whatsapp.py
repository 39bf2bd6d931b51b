"""The fake WhatsApp Cloud API through HTTP, as a bot, the simulator and tests use it."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from yarl import URL

from adapters.types import (
    ButtonPress,
    Channel,
    ContactShared,
    ConversationRef,
    Inbound,
    RenderedButton,
    RenderedMessage,
    TextBody,
)
from adapters.whatsapp import WhatsAppAdapter
from bots.demo.whatsapp import FakeWhatsApp
from bots.demo.whatsapp_api import CloudApi
from tests.support.waiting import eventually
from tests.support.whatsapp_user import WhatsAppUser

PREFIX = "/fake/whatsapp"
PHONE_ID = "106540352242922"
TOKEN = "EAAJB-demo-token"
APP_SECRET = "app-secret-1"
VERIFY_TOKEN = "verify-1"
WA_ID = "79161234567"
BSUID = "RU.13491208655302741918"
HOOK = "/webhooks/legal/whatsapp"

Client = TestClient[web.Request, web.Application]


class Receiver:
    """The bot's webhook: answers Meta's handshake and records signed notifications."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.handshakes: list[dict[str, str]] = []
        self.status = 200
        self.echo = True

    async def subscribe(self, request: web.Request) -> web.Response:
        self.handshakes.append(dict(request.query))
        challenge = request.query.get("hub.challenge", "")
        return web.Response(text=challenge if self.echo else "nope")

    async def deliver(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.read()))
        return web.json_response({}, status=self.status)

    def notifications(self) -> list[dict[str, Any]]:
        return [json.loads(raw) for _, raw in self.received]


def make_app(fake: FakeWhatsApp, receiver: Receiver) -> web.Application:
    app = web.Application()
    fake.mount(app, PREFIX)
    app.router.add_get(HOOK, receiver.subscribe)
    app.router.add_post(HOOK, receiver.deliver)
    return app


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
async def client(receiver: Receiver) -> AsyncIterator[Client]:
    fake = FakeWhatsApp(webhook_wait=0.1)
    async with TestClient(TestServer(make_app(fake, receiver), host="127.0.0.1")) as test_client:
        yield test_client


async def control(client: Client, **command: Any) -> tuple[int, dict[str, Any]]:
    response = await client.post(f"{PREFIX}/control", json=command)
    return response.status, await response.json()


async def register(client: Client, **overrides: Any) -> tuple[int, dict[str, Any]]:
    webhook = {
        "phone_id": PHONE_ID,
        "url": str(client.make_url(HOOK)),
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
        "token": TOKEN,
        **overrides,
    }
    return await control(client, webhook=webhook)


def user_message(text: str = "Здравствуйте", *, with_user_id: bool = True, **extra: Any) -> dict[str, Any]:
    contact: dict[str, Any] = {"profile": {"name": "Анна"}, "wa_id": WA_ID}
    if with_user_id:
        contact["user_id"] = BSUID
    message = {"from": WA_ID, "type": "text", "text": {"body": text}, **extra}
    return {"entry": [{"changes": [{"value": {"contacts": [contact], "messages": [message]}}]}]}


async def user_writes(client: Client, text: str = "Здравствуйте") -> tuple[int, dict[str, Any]]:
    response = await client.post(f"{PREFIX}/updates", json=user_message(text))
    return response.status, await response.json()


async def api(
    client: Client, body: dict[str, Any], *, token: str = TOKEN, phone_id: str = PHONE_ID
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post(f"{PREFIX}/v22.0/{phone_id}/messages", json=body, headers=headers)
    return response.status, await response.json()


def text(body: str = "Ответ", to: str = WA_ID) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": body}}


def interactive(content: dict[str, Any]) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": WA_ID, "type": "interactive", "interactive": content}


def buttons(count: int = 3, title: str = "Да", body: str = "Выберите") -> dict[str, Any]:
    replies = [{"type": "reply", "reply": {"id": f"b{n}", "title": f"{title}{n}"}} for n in range(count)]
    return interactive({"type": "button", "body": {"text": body}, "action": {"buttons": replies}})


def list_message(rows: int = 5, title: str = "Пункт", description: str | None = None) -> dict[str, Any]:
    row_list = [
        {"id": f"r{n}", "title": f"{title}{n}", **({"description": description} if description else {})}
        for n in range(rows)
    ]
    action = {"button": "Меню", "sections": [{"title": "Разделы", "rows": row_list}]}
    return interactive({"type": "list", "body": {"text": "Выберите"}, "action": action})


@pytest.fixture
async def ready(client: Client, receiver: Receiver) -> Client:
    """A registered number and a user who just wrote (the 24-hour window is open)."""
    assert (await register(client))[0] == 200
    assert (await user_writes(client))[0] == 200
    return client


# ---- auth and registration -----------------------------------------------------------------------


async def test_calls_need_the_numbers_bearer_token(ready: Client) -> None:
    for token in ("", "EAA-wrong"):
        status, answer = await api(ready, text(), token=token)
        assert status == 401
        assert answer["error"]["code"] == 190
        assert answer["error"]["type"] == "OAuthException"
        assert answer["error"]["fbtrace_id"]
    status, answer = await api(ready, text(), phone_id="999999")
    assert (status, answer["error"]["code"], answer["error"]["error_subcode"]) == (400, 100, 33)


async def test_registration_runs_metas_verification_handshake(client: Client, receiver: Receiver) -> None:
    status, answer = await register(client)
    assert (status, answer["ok"]) == (200, True)
    [handshake] = receiver.handshakes
    assert handshake["hub.mode"] == "subscribe"
    assert handshake["hub.verify_token"] == VERIFY_TOKEN
    assert handshake["hub.challenge"].isdigit()


async def test_a_webhook_that_does_not_echo_the_challenge_is_not_registered(
    client: Client, receiver: Receiver
) -> None:
    receiver.echo = False
    status, answer = await register(client)
    assert status == 400
    assert "validated" in answer["error"]
    response = await client.post(f"{PREFIX}/updates", json=user_message())
    assert response.status == 409


@pytest.mark.parametrize(
    "command",
    [
        {"webhook": {"phone_id": PHONE_ID}},
        {"webhook": "x"},
        {"fail_next": [{"code": "x"}]},
        {"fail_next": [{"code": 4, "http_status": 200}]},
        {"approved_templates": [1]},
    ],
)
async def test_bad_control_commands_are_refused(client: Client, command: dict[str, Any]) -> None:
    status, answer = await control(client, **command)
    assert status == 400
    assert answer["error"].startswith("bad control command")


# ---- notifications from users ----------------------------------------------------------------------


async def test_a_notification_is_completed_signed_and_delivered(ready: Client, receiver: Receiver) -> None:
    headers, raw = receiver.received[0]
    expected = hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature-256"] == f"sha256={expected}"
    notification = json.loads(raw)
    assert notification["object"] == "whatsapp_business_account"
    [entry] = notification["entry"]
    assert entry["id"]
    [change] = entry["changes"]
    assert change["field"] == "messages"
    value = change["value"]
    assert value["messaging_product"] == "whatsapp"
    assert value["metadata"]["phone_number_id"] == PHONE_ID
    [message] = value["messages"]
    assert message["id"].startswith("wamid.")
    assert message["timestamp"].isdigit()
    assert message["text"] == {"body": "Здравствуйте"}


async def test_the_webhook_status_is_the_answer(ready: Client, receiver: Receiver) -> None:
    status, answer = await user_writes(ready)
    assert (status, answer["delivered"], answer["status"]) == (200, True, 200)
    assert answer["message_ids"][0].startswith("wamid.")
    receiver.status = 401
    status, answer = await user_writes(ready)
    assert (status, answer["status"]) == (401, 401)


async def test_notifications_need_a_registered_webhook() -> None:
    fake = FakeWhatsApp(webhook_wait=0.05)
    async with TestClient(TestServer(make_app(fake, Receiver()), host="127.0.0.1")) as client:
        status, answer = await user_writes(client)
        assert (status, answer) == (409, {"error": "no webhook registered"})
        response = await client.post(f"{PREFIX}/updates", json={"entry": "x"}, params={"phone_id": "1"})
        assert response.status == 409


async def test_a_malformed_notification_is_refused(ready: Client) -> None:
    bodies: list[Any] = [{"entry": []}, {"entry": [{"changes": [{"value": {"messages": "x"}}]}]}, [1]]
    for body in bodies:
        response = await ready.post(f"{PREFIX}/updates", json=body)
        assert response.status == 400


# ---- sending: success, window, recipients ---------------------------------------------------------


async def test_a_text_gets_the_cloud_api_answer_and_is_in_the_outbox(ready: Client) -> None:
    status, answer = await api(ready, text())
    assert status == 200
    assert answer["messaging_product"] == "whatsapp"
    assert answer["contacts"] == [{"input": WA_ID, "wa_id": WA_ID}]
    [message] = answer["messages"]
    assert message["id"].startswith("wamid.")
    response = await ready.get(f"{PREFIX}/outbox", params={"chat_id": WA_ID})
    [call] = (await response.json())["calls"]
    assert (call["method"], call["token_id"], call["body"], call["ok"]) == (
        f"/{PHONE_ID}/messages",
        PHONE_ID,
        text(),
        True,
    )
    assert (await ready.delete(f"{PREFIX}/outbox")).status == 200
    assert (await (await ready.get(f"{PREFIX}/outbox")).json())["calls"] == []


async def test_a_business_scoped_id_is_a_recipient_too(ready: Client) -> None:
    body = {"messaging_product": "whatsapp", "recipient": BSUID, "type": "text", "text": {"body": "Ответ"}}
    status, answer = await api(ready, body)
    assert status == 200
    assert answer["contacts"] == [{"input": BSUID, "wa_id": WA_ID, "user_id": BSUID}]


async def test_a_user_who_never_wrote_is_undeliverable(ready: Client) -> None:
    status, answer = await api(ready, text(to="79990000000"))
    assert (status, answer["error"]["code"]) == (400, 131026)


async def test_outside_the_window_only_approved_templates_go(ready: Client) -> None:
    status, answer = await control(ready, close_window_for=WA_ID)
    assert answer["closed_windows"] == [WA_ID]
    status, answer = await api(ready, text())
    assert (status, answer["error"]["code"], answer["error"]["message"]) == (
        400,
        131047,
        "Re-engagement message",
    )
    assert (await api(ready, buttons()))[1]["error"]["code"] == 131047

    template: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "to": WA_ID,
        "type": "template",
        "template": {"name": "legal_answer_ready", "language": {"code": "ru"}},
    }
    status, answer = await api(ready, template)
    assert (status, answer["messages"][0]["message_status"]) == (200, "accepted")
    template["template"]["name"] = "promo_spring"
    status, answer = await api(ready, template)
    assert (status, answer["error"]["code"]) == (400, 132001)
    await control(ready, approved_templates=["promo_*"])
    assert (await api(ready, template))[0] == 200

    await user_writes(ready, "Я снова здесь")
    assert (await api(ready, text()))[0] == 200


# ---- sending: the platform's limits -----------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        text("я" * 4097),
        buttons(count=4),
        buttons(title="Очень длинный заголовок"),
        buttons(body="я" * 1025),
        list_message(rows=11),
        list_message(title="Слишком длинный пункт меню"),
        list_message(description="о" * 73),
    ],
    ids=["text", "buttons", "button-title", "button-body", "rows", "row-title", "description"],
)
async def test_limits_are_enforced_with_131009(ready: Client, body: dict[str, Any]) -> None:
    status, answer = await api(ready, body)
    assert (status, answer["error"]["code"]) == (400, 131009)
    assert answer["error"]["error_data"]["details"]


async def test_within_the_limits_interactive_messages_go(ready: Client) -> None:
    assert (await api(ready, buttons(count=3, title="Двадцать символов!")))[0] == 200
    assert (await api(ready, list_message(rows=10, description="о" * 72)))[0] == 200


@pytest.mark.parametrize(
    "body",
    [
        {"to": WA_ID, "type": "text", "text": {"body": "x"}},
        {"messaging_product": "whatsapp", "to": WA_ID, "type": "text"},
        {"messaging_product": "whatsapp", "type": "text", "text": {"body": "x"}},
        {"messaging_product": "whatsapp", "to": WA_ID, "type": "poll", "poll": {}},
        {"messaging_product": "whatsapp", "to": WA_ID, "type": "image", "image": {"id": "404"}},
        {
            "messaging_product": "whatsapp",
            "to": WA_ID,
            "type": "audio",
            "audio": {"link": "https://a/b.mp3", "caption": "c"},
        },
    ],
    ids=["product", "content", "recipient", "type", "media-id", "audio-caption"],
)
async def test_invalid_parameters_are_100(ready: Client, body: dict[str, Any]) -> None:
    status, answer = await api(ready, body)
    assert (status, answer["error"]["code"]) == (400, 100)


async def test_throughput_and_pair_rate_limits(receiver: Receiver) -> None:
    fake = FakeWhatsApp(api=CloudApi(throughput_per_second=2, pair_limit=100))
    async with TestClient(TestServer(make_app(fake, receiver), host="127.0.0.1")) as client:
        await register(client)
        await user_writes(client)
        assert [(await api(client, text()))[0] for _ in range(2)] == [200, 200]
        status, answer = await api(client, text())
        assert (status, answer["error"]["code"]) == (400, 130429)

    fake = FakeWhatsApp(api=CloudApi(throughput_per_second=100, pair_limit=2))
    async with TestClient(TestServer(make_app(fake, receiver), host="127.0.0.1")) as client:
        await register(client)
        await user_writes(client)
        await api(client, text())
        await api(client, text())
        status, answer = await api(client, text())
        assert (status, answer["error"]["code"]) == (400, 131056)


async def test_injected_failures_answer_once_in_graphs_envelope(ready: Client) -> None:
    await control(ready, fail_next=[{"code": 131000, "http_status": 500, "message": "Something went wrong"}])
    status, answer = await api(ready, text())
    assert (status, answer["error"]["code"], answer["error"]["message"]) == (
        500,
        131000,
        "Something went wrong",
    )
    assert (await api(ready, text()))[0] == 200


# ---- media and read receipts ------------------------------------------------------------------------


async def test_media_upload_retrieval_and_download(ready: Client) -> None:
    form = aiohttp.FormData()
    form.add_field("messaging_product", "whatsapp")
    form.add_field("type", "audio/mpeg")
    form.add_field("file", b"ID3 recording", filename="call.mp3", content_type="audio/mpeg")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    response = await ready.post(f"{PREFIX}/v22.0/{PHONE_ID}/media", data=form, headers=auth)
    assert response.status == 200
    media_id = (await response.json())["id"]
    assert media_id.isdigit()

    info = await (await ready.get(f"{PREFIX}/v22.0/{media_id}", headers=auth)).json()
    assert (info["id"], info["mime_type"], info["file_size"]) == (media_id, "audio/mpeg", 13)
    assert info["sha256"] == hashlib.sha256(b"ID3 recording").hexdigest()
    download_path = URL(info["url"]).path
    download = await ready.get(download_path, headers=auth)
    assert (download.status, await download.read()) == (200, b"ID3 recording")
    assert (await ready.get(download_path)).status == 401

    body = {"messaging_product": "whatsapp", "to": WA_ID, "type": "audio", "audio": {"id": media_id}}
    assert (await api(ready, body))[0] == 200
    missing = await ready.get(f"{PREFIX}/v22.0/1234", headers=auth)
    assert (missing.status, (await missing.json())["error"]["code"]) == (400, 100)


async def test_read_receipts_for_received_messages_only(ready: Client, receiver: Receiver) -> None:
    [message] = receiver.notifications()[0]["entry"][0]["changes"][0]["value"]["messages"]
    receipt = {"messaging_product": "whatsapp", "status": "read", "message_id": message["id"]}
    assert await api(ready, receipt) == (200, {"success": True})
    status, answer = await api(ready, {**receipt, "message_id": "wamid.unknown"})
    assert (status, answer["error"]["code"]) == (400, 100)


async def test_auto_status_posts_sent_and_delivered(ready: Client, receiver: Receiver) -> None:
    await control(ready, auto_status=True)
    _, answer = await api(ready, text())
    wamid = answer["messages"][0]["id"]

    async def three_received() -> bool:
        return len(receiver.received) >= 3

    await eventually(three_received, "the message and its two statuses reach the webhook")
    statuses = [n["entry"][0]["changes"][0]["value"]["statuses"][0] for n in receiver.notifications()[1:]]
    assert [(s["id"], s["status"], s["recipient_id"]) for s in statuses] == [
        (wamid, "sent", WA_ID),
        (wamid, "delivered", WA_ID),
    ]


# ---- a user driving a bot through the fake -------------------------------------------------------------


class EchoBot:
    """A bot on the real adapter: text gets three buttons, pressing "Да" a list, anything else text."""

    def __init__(self) -> None:
        self.adapter: WhatsAppAdapter | None = None
        self.events: list[Inbound] = []

    async def subscribe(self, request: web.Request) -> web.Response:
        assert self.adapter is not None
        challenge = self.adapter.verify_subscription(request.query)
        return web.Response(text=challenge) if challenge else web.Response(status=403)

    async def deliver(self, request: web.Request) -> web.Response:
        assert self.adapter is not None
        raw = await request.read()
        if not self.adapter.verify(request.headers, raw):
            return web.Response(status=401)
        for event in self.adapter.parse(raw):
            self.events.append(event)
            await self.adapter.send(self.answer(event))
        return web.json_response({"ok": True})

    @staticmethod
    def answer(event: Inbound) -> RenderedMessage:
        reply = RenderedMessage(
            conversation=event.conversation, idempotency_key=event.event_id, text="Принято"
        )
        if isinstance(event.body, TextBody):
            choices = tuple(RenderedButton(title=t, payload=f"go:{t}") for t in ("Да", "Нет", "Оператор"))
            return reply.model_copy(update={"layout": "buttons", "buttons": choices})
        if isinstance(event.body, ButtonPress) and event.body.payload == "go:Да":
            rows = tuple(RenderedButton(title=f"Раздел {n}", payload=f"section:{n}") for n in range(5))
            update = {"layout": "list", "buttons": rows, "text": "Разделы", "list_title": "Выбрать"}
            return reply.model_copy(update=update)
        return reply


async def test_a_user_talks_to_a_bot_through_the_fake() -> None:
    bot = EchoBot()
    app = web.Application()
    FakeWhatsApp().mount(app, PREFIX)
    app.router.add_get(HOOK, bot.subscribe)
    app.router.add_post(HOOK, bot.deliver)
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as http:
        base = str(server.make_url("")).rstrip("/")
        bot.adapter = WhatsAppAdapter(
            "legal",
            phone_id=PHONE_ID,
            token=TOKEN,
            app_secret=APP_SECRET,
            verify_token=VERIFY_TOKEN,
            api_base=f"{base}{PREFIX}",
        )
        try:
            await bot.adapter.start(base)
            user = WhatsAppUser(http, base, wa_id=WA_ID, user_id=BSUID)
            [menu] = await user.send("Здравствуйте")
            assert (menu.kind, menu.text, menu.titles()) == (
                "interactive",
                "Принято",
                ["Да", "Нет", "Оператор"],
            )
            [sections] = await user.press("Да")
            assert sections.titles() == [f"Раздел {n}" for n in range(5)]
            [done] = await user.press("Раздел 3")
            assert (done.kind, done.text) == ("text", "Принято")
            await user.share_contact("+7 916 123-45-67")
            await user.send_sticker()
            await user.send_file(b"%PDF", file_name="скан.pdf", mime_type="application/pdf")
        finally:
            await bot.adapter.close()
    bodies = [event.body for event in bot.events]
    assert bodies[1:4] == [
        ButtonPress(payload="go:Да"),
        ButtonPress(payload="section:3"),
        ContactShared(phone="+79161234567", verified=True, first_name="Анна"),
    ]
    assert [body.kind for body in bodies[4:]] == ["unsupported", "file"]
    assert bot.events[0].conversation == ConversationRef(
        channel=Channel.WHATSAPP, bot="legal", chat_id=WA_ID, user_id=WA_ID
    )
