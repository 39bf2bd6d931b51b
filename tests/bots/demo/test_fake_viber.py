"""The fake Viber through HTTP, as a bot, the simulator and tests use it."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer, unused_port

from adapters.types import (
    ButtonPress,
    Channel,
    ContactShared,
    ConversationRef,
    Inbound,
    RenderedButton,
    RenderedMessage,
    StartBody,
    TextBody,
    UnsupportedBody,
)
from adapters.viber import ViberAdapter
from bots.demo.viber import FakeViber
from bots.demo.viber_api import WEBHOOK_EVENT_TYPES, ApiError, Status, ViberApi, demo_auth_token
from tests.support.viber_user import ViberUser
from tests.support.waiting import eventually

TOKEN = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f"
USER = {"id": "5u8EHLL8EtCiGV7EIS3H1Q==", "name": "Анна Петрова", "language": "ru", "api_version": 10}
SENDER = {"name": "Юрист 24/7"}
PREFIX = "/fake/viber"


class Webhook:
    """A bot's webhook endpoint that records what the fake posts to it."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        self.answer: dict[str, Any] = {}

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.read()))
        return web.json_response(self.answer, status=self.status)

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(raw) for _, raw in self.received]


class Stack:
    def __init__(self, fake: FakeViber, webhook: Webhook, base_url: str, http: aiohttp.ClientSession) -> None:
        self.fake = fake
        self.webhook = webhook
        self.base_url = base_url
        self.http = http
        self.webhook_url = f"{base_url}/webhooks/legal/viber"

    async def call(self, endpoint: str, body: dict[str, Any], token: str | None = TOKEN) -> dict[str, Any]:
        headers = {"X-Viber-Auth-Token": token} if token else {}
        async with self.http.post(
            f"{self.base_url}{PREFIX}/pa/{endpoint}", json=body, headers=headers
        ) as answer:
            assert answer.status == 200
            return dict(await answer.json())

    async def register(self, **extra: Any) -> dict[str, Any]:
        return await self.call("set_webhook", {"url": self.webhook_url, **extra})

    async def callback(self, callback: dict[str, Any], **query: str) -> tuple[int, dict[str, Any]]:
        async with self.http.post(f"{self.base_url}{PREFIX}/updates", json=callback, params=query) as answer:
            return answer.status, await answer.json()

    async def user_writes(self, text: str = "Здравствуйте") -> tuple[int, dict[str, Any]]:
        return await self.callback(
            {"event": "message", "sender": USER, "message": {"type": "text", "text": text}}
        )

    async def send_text(self, text: str = "Добрый день", **extra: Any) -> dict[str, Any]:
        body = {"receiver": USER["id"], "sender": SENDER, "type": "text", "text": text, **extra}
        return await self.call("send_message", body)

    async def control(self, command: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        async with self.http.post(f"{self.base_url}{PREFIX}/control", json=command) as answer:
            return answer.status, await answer.json()


async def serve(fake: FakeViber, webhook: Webhook) -> AsyncIterator[Stack]:
    app = web.Application()
    fake.mount(app, PREFIX)
    app.router.add_post("/webhooks/legal/viber", webhook.handle)
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as http:
        yield Stack(fake, webhook, str(server.make_url("")).rstrip("/"), http)


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    async for running in serve(FakeViber(webhook_wait=0.1), Webhook()):
        yield running


@pytest.fixture
async def ready(stack: Stack) -> Stack:
    """A registered webhook and a user who wrote to the bot, so is subscribed."""
    assert (await stack.register())["status"] == 0
    status, _ = await stack.user_writes()
    assert status == 200
    return stack


# ---- the REST API ----------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "bad-token", TOKEN[:-1]])
async def test_a_missing_or_malformed_token_is_invalid(stack: Stack, token: str | None) -> None:
    answer = await stack.call("get_account_info", {}, token=token)
    assert answer == {"status": 2, "status_message": "invalidAuthToken"}


async def test_the_legacy_token_in_the_body_works_and_is_not_listed(stack: Stack) -> None:
    answer = await stack.call("get_account_info", {"auth_token": demo_auth_token("legal")}, token=None)
    assert answer["status"] == 0
    [call] = stack.fake.outbox.calls()
    assert call.body == {}
    assert call.token_id.startswith("pa:")


async def test_set_webhook_checks_the_url_with_a_signed_webhook_callback(stack: Stack) -> None:
    answer = await stack.register(event_types=["delivered", "conversation_started"])
    assert answer["status"] == 0
    assert answer["event_types"] == ["conversation_started", "delivered"]
    [(headers, raw)] = stack.webhook.received
    assert json.loads(raw)["event"] == "webhook"
    expected = hmac.new(TOKEN.encode(), raw, hashlib.sha256).hexdigest()
    assert headers["X-Viber-Content-Signature"] == expected
    info = await stack.call("get_account_info", {})
    assert (info["webhook"], info["event_types"]) == (
        stack.webhook_url,
        ["conversation_started", "delivered"],
    )


async def test_set_webhook_fails_when_the_webhook_refuses(stack: Stack) -> None:
    stack.webhook.status = 401
    answer = await stack.register()
    assert (answer["status"], answer["status_message"]) == (1, "invalidUrl: the webhook answered HTTP 401")
    assert (await stack.call("get_account_info", {}))["webhook"] == ""


async def test_set_webhook_refuses_unknown_event_types_and_an_empty_url_removes_it(stack: Stack) -> None:
    assert (await stack.register(event_types=["read"]))["status"] == 3
    assert (await stack.register())["status"] == 0
    assert (await stack.call("set_webhook", {"url": ""}))["status"] == 0
    assert (await stack.send_text())["status"] == 10


async def test_sending_needs_a_subscriber(stack: Stack) -> None:
    await stack.register()
    assert await stack.send_text() == {"status": 6, "status_message": "notSubscribed"}
    [call] = stack.fake.outbox.calls(method="send_message")
    assert (call.ok, call.error_code, call.chat_id) == (False, 6, USER["id"])


async def test_conversation_started_does_not_subscribe_but_a_message_does(stack: Stack) -> None:
    await stack.register()
    status, answer = await stack.callback({"event": "conversation_started", "type": "open", "user": USER})
    assert (status, answer["delivered"]) == (200, True)
    assert stack.webhook.events()[-1]["subscribed"] is False
    assert (await stack.send_text())["status"] == 6
    await stack.user_writes()
    sent = await stack.send_text()
    assert sent["status"] == 0
    assert isinstance(sent["message_token"], int)
    assert sent["chat_hostname"].startswith("SN-CHAT-")


async def test_unsubscribing_stops_messages_until_the_user_subscribes_again(ready: Stack) -> None:
    await ready.callback({"event": "unsubscribed", "user_id": USER["id"]})
    assert (await ready.send_text())["status"] == 6
    await ready.callback({"event": "subscribed", "user": USER})
    assert (await ready.send_text())["status"] == 0


def keyboard(count: int, **button: Any) -> dict[str, Any]:
    buttons = [
        {"ActionType": "reply", "ActionBody": f"btn:{n}", "Text": f"{n}", **button} for n in range(count)
    ]
    return {"Type": "keyboard", "Buttons": buttons}


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({"text": "а" * 7000}, 0),
        ({"text": "а" * 7001}, 3),
        ({"text": "  "}, 4),
        ({"keyboard": keyboard(24), "min_api_version": 3}, 0),
        ({"keyboard": keyboard(25), "min_api_version": 3}, 3),
        ({"keyboard": keyboard(1, ActionType="share-phone")}, 3),
        ({"keyboard": keyboard(1, ActionType="share-phone"), "min_api_version": 3}, 0),
        ({"keyboard": keyboard(1, Columns=7)}, 3),
        ({"keyboard": keyboard(1, ActionBody="x" * 4097)}, 3),
        ({"sender": {"name": "x" * 29}}, 3),
        ({"sender": {}}, 4),
        ({"receiver": ""}, 4),
        ({"type": "carousel"}, 3),
        ({"type": "picture", "media": "https://files.example/scan"}, 3),
        ({"type": "picture", "media": "https://files.example/scan.png?sig=1", "text": ""}, 0),
        ({"type": "file", "media": "https://files.example/a.exe", "size": 10, "file_name": "a.exe"}, 3),
        ({"type": "file", "media": "https://files.example/a.pdf", "file_name": "a.pdf"}, 4),
        ({"type": "file", "media": "https://files.example/a.pdf", "size": 10, "file_name": "a.pdf"}, 0),
    ],
)
async def test_limits_are_enforced_as_viber_enforces_them(
    ready: Stack, extra: dict[str, Any], status: int
) -> None:
    assert (await ready.send_text(**extra))["status"] == status


async def test_too_many_messages_a_second_are_refused() -> None:
    async for stack in serve(FakeViber(rate_per_second=2, webhook_wait=0.1), Webhook()):
        await stack.register()
        await stack.user_writes()
        statuses = [(await stack.send_text())["status"] for _ in range(3)]
        assert statuses == [0, 0, 12]
        assert stack.fake.outbox.calls(method="send_message")[-1].description == "tooManyRequests"


def test_more_than_500_messages_in_ten_seconds_are_refused_as_viber_documents() -> None:
    now = [0.0]
    api = ViberApi(clock=lambda: now[0])
    account = api.account(demo_auth_token("legal"))
    api.set_webhook(account, "https://bot.example/viber", WEBHOOK_EVENT_TYPES)
    account.subscribers.add("user-1")
    message = {"receiver": "user-1", "sender": {"name": "Юрист"}, "type": "text", "text": "Здравствуйте"}

    def statuses(count: int, every: float) -> list[int]:
        answered = []
        for _ in range(count):
            try:
                answered.append(api.send_message(account, message)["status"])
            except ApiError as error:
                answered.append(error.status)
            now[0] += every
        return answered

    at_50_a_second = statuses(500, 0.02)
    one_more = statuses(1, 0.0)
    now[0] = 10.0
    after_the_window = statuses(1, 0.0)

    assert set(at_50_a_second) == {0}
    assert one_more == [Status.TOO_MANY_REQUESTS]
    assert after_the_window == [0]


async def test_user_details_and_online_status_of_known_users(ready: Stack) -> None:
    details = await ready.call("get_user_details", {"id": USER["id"]})
    assert (details["status"], details["user"]["name"], details["user"]["language"]) == (
        0,
        "Анна Петрова",
        "ru",
    )
    assert (await ready.call("get_user_details", {"id": "unknown=="}))["status"] == 5
    online = await ready.call("get_online", {"ids": [USER["id"], "unknown=="]})
    assert [user["online_status"] for user in online["users"]] == [0, 3]


# ---- callbacks and control -------------------------------------------------------------------


async def test_a_callback_is_completed_signed_and_answered_with_the_webhook_response(ready: Stack) -> None:
    ready.webhook.answer = {"ok": True}
    status, answer = await ready.user_writes("Вопрос")
    headers, raw = ready.webhook.received[-1]
    delivered = json.loads(raw)
    assert headers["X-Viber-Content-Signature"] == hmac.new(TOKEN.encode(), raw, hashlib.sha256).hexdigest()
    assert isinstance(delivered["timestamp"], int)
    assert answer == {
        "delivered": True,
        "status": 200,
        "message_token": delivered["message_token"],
        "response": {"ok": True},
    }
    assert status == 200


async def test_the_webhooks_failure_status_is_passed_on(ready: Stack) -> None:
    ready.webhook.status = 503
    status, answer = await ready.user_writes()
    assert (status, answer["status"]) == (503, 503)


async def test_events_the_bot_did_not_ask_for_are_not_delivered(stack: Stack) -> None:
    await stack.register(event_types=["conversation_started"])
    status, answer = await stack.callback({"event": "seen", "message_token": 7, "user_id": USER["id"]})
    assert (status, answer["delivered"], answer["filtered"]) == (200, False, "seen")
    assert [event["event"] for event in stack.webhook.events()] == ["webhook"]


async def test_a_welcome_message_in_the_response_is_listed_as_viber_shows_it(stack: Stack) -> None:
    await stack.register()
    stack.webhook.answer = {"sender": SENDER, "type": "text", "text": "Добро пожаловать!"}
    await stack.callback({"event": "conversation_started", "type": "open", "user": USER})
    stack.webhook.answer = {"sender": SENDER, "type": "text", "text": ""}
    await stack.callback({"event": "conversation_started", "type": "open", "user": USER})
    good, bad = stack.fake.outbox.calls(method="welcome_message")
    assert (good.ok, good.chat_id, good.body["text"]) == (True, USER["id"], "Добро пожаловать!")
    assert (bad.ok, bad.error_code) == (False, 4)


@pytest.mark.parametrize(
    ("body", "query", "status"),
    [
        (b"not json", {}, 400),
        (b"[1]", {}, 400),
        (b'{"no": "event"}', {}, 400),
        (b'{"event": "webhook"}', {"token": "wrong"}, 401),
    ],
)
async def test_bad_callbacks_are_refused(
    ready: Stack, body: bytes, query: dict[str, str], status: int
) -> None:
    async with ready.http.post(f"{ready.base_url}{PREFIX}/updates", data=body, params=query) as answer:
        assert answer.status == status


async def test_without_a_webhook_nothing_is_delivered(stack: Stack) -> None:
    status, answer = await stack.user_writes()
    assert (status, answer) == (409, {"error": "no webhook registered"})
    status, answer = await stack.callback({"event": "subscribed", "user": USER}, token=TOKEN)
    assert (status, answer["delivered"]) == (409, False)


async def test_injected_failures_answer_once_and_are_listed(ready: Stack) -> None:
    status, _ = await ready.control(
        {"fail_next": [{"status": 12}, {"http_status": 503, "method": "get_online"}]}
    )
    assert status == 200
    assert await ready.send_text() == {"status": 12, "status_message": "tooManyRequests"}
    assert (await ready.send_text())["status"] == 0
    async with ready.http.post(
        f"{ready.base_url}{PREFIX}/pa/get_online", json={"ids": ["x"]}, headers={"X-Viber-Auth-Token": TOKEN}
    ) as answer:
        assert answer.status == 503
    async with ready.http.get(
        f"{ready.base_url}{PREFIX}/outbox", params={"method": "send_message"}
    ) as listed:
        calls = (await listed.json())["calls"]
    assert [(call["ok"], call.get("error_code")) for call in calls] == [(False, 12), (True, None)]


@pytest.mark.parametrize(
    "command",
    [{"fail_next": [{"status": 0}]}, {"fail_next": [{"http_status": 200}]}, {"fail_next": [7]}, [1]],
)
async def test_bad_control_commands_are_refused(stack: Stack, command: Any) -> None:
    status, _ = await stack.control(command)
    assert status == 400


async def test_auto_status_follows_each_message_with_delivered_and_seen(ready: Stack) -> None:
    _, answer = await ready.control({"auto_status": True})
    assert answer["auto_status"] is True
    token = (await ready.send_text())["message_token"]

    async def four_received() -> bool:
        return len(ready.webhook.received) >= 4

    await eventually(four_received, "delivered and seen reach the webhook")
    statuses = [(e["event"], e["message_token"], e["user_id"]) for e in ready.webhook.events()[2:]]
    assert statuses == [("delivered", token, USER["id"]), ("seen", token, USER["id"])]


async def test_the_outbox_can_be_cleared(ready: Stack) -> None:
    await ready.send_text()
    async with ready.http.delete(f"{ready.base_url}{PREFIX}/outbox") as answer:
        assert answer.status == 200
    assert ready.fake.outbox.calls() == []


# ---- a Viber user talking to a bot built on the adapter ---------------------------------------


class EchoBot:
    """Answers through the real adapter: a welcome, a menu, what was pressed, the shared phone."""

    def __init__(self, viber: ViberAdapter) -> None:
        self.viber = viber
        self.events: list[Inbound] = []

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        if not self.viber.verify(request.headers, raw):
            return web.json_response({}, status=401)
        for event in self.viber.parse(raw):
            self.events.append(event)
            if self.viber.welcome_expected(event):
                return web.json_response(self.viber.welcome_body(self._reply(event, "Добро пожаловать!")))
            await self.answer(event)
        return web.json_response({})

    async def answer(self, event: Inbound) -> None:
        body = event.body
        if isinstance(body, TextBody):
            menu = tuple(RenderedButton(title=t, payload=f"menu:{t}") for t in ("Вопрос", "Телефон"))
            await self.viber.send(self._reply(event, "Меню", layout="buttons", buttons=menu))
        elif isinstance(body, ButtonPress) and body.payload == "menu:Телефон":
            await self.viber.send(self._reply(event, "Номер?", request_contact="Отправить номер"))
        elif isinstance(body, ButtonPress):
            await self.viber.send(self._reply(event, f"Нажато: {body.payload}"))
        elif isinstance(body, ContactShared):
            await self.viber.send(self._reply(event, f"Проверен: {body.verified}"))
        elif isinstance(body, UnsupportedBody):
            await self.viber.send(self._reply(event, f"Не понимаю: {body.what}"))

    @staticmethod
    def _reply(event: Inbound, text: str, **fields: Any) -> RenderedMessage:
        conversation: ConversationRef = event.conversation
        return RenderedMessage(conversation=conversation, text=text, idempotency_key=event.event_id, **fields)


async def test_a_viber_user_talks_to_a_bot_built_on_the_adapter() -> None:
    port = unused_port()
    base_url = f"http://127.0.0.1:{port}"
    viber = ViberAdapter(
        "legal", demo_auth_token("legal"), name="Юрист 24/7", api_base=f"{base_url}{PREFIX}/pa"
    )
    bot = EchoBot(viber)
    app = web.Application()
    FakeViber(webhook_wait=0.1).mount(app, PREFIX)
    app.router.add_post("/webhooks/legal/viber", bot.handle)
    async with TestServer(app, host="127.0.0.1", port=port), aiohttp.ClientSession() as http:
        await viber.start(base_url)
        user = ViberUser(http, base_url)

        [welcome] = await user.open_chat(context="promo")
        assert (welcome.method, welcome.text) == ("welcome_message", "Добро пожаловать!")
        assert bot.events[-1].body == StartBody(payload="promo")

        [menu] = await user.send("привет")
        assert menu.titles() == ["Вопрос", "Телефон"]
        [pressed] = await user.press("Вопрос")
        assert pressed.text == "Нажато: menu:Вопрос"
        await user.send("привет")
        [ask] = await user.press("Телефон")
        assert ask.titles() == ["Отправить номер"]
        [verified] = await user.share_phone("+79161234567")
        assert verified.text == "Проверен: True"
        [card] = await user.send_contact_card("+79037654321")
        assert card.text == "Проверен: False"
        [sticker] = await user.send_sticker()
        assert sticker.text == "Не понимаю: sticker"
        assert bot.events[-1].conversation.channel is Channel.VIBER
        await viber.close()


def test_message_tokens_keep_increasing_across_restarts_of_the_fake() -> None:
    """Regression: every start counted from the same number, so a restarted demo handed out tokens the
    bot had already stored, and the bot dropped the new messages as duplicates."""
    before = ViberApi()
    issued = [before.next_message_token() for _ in range(1000)]
    after = ViberApi()
    assert after.next_message_token() > max(issued)
    assert len(set(issued)) == len(issued)
