"""The fake Telegram through HTTP, as a bot and the simulator use it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bots.demo.telegram import FakeTelegram
from bots.demo.telegram_api import BOT_MESSAGES_PER_SECOND

TOKEN = "7000000042:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BOT_ID = "7000000042"
PREFIX = "/fake/telegram"
USER = {"id": 5001, "is_bot": False, "first_name": "Анна", "language_code": "ru"}
CHAT = {"id": 5001, "type": "private", "first_name": "Анна"}


class Webhook:
    """A bot's webhook endpoint that records what the fake posts to it."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.status = 200

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.json()))
        return web.json_response({}, status=self.status)


@pytest.fixture
async def webhook() -> AsyncIterator[tuple[Webhook, str]]:
    receiver = Webhook()
    app = web.Application()
    app.router.add_post("/webhooks/legal/telegram", receiver.handle)
    async with TestServer(app, host="127.0.0.1") as server:
        yield receiver, str(server.make_url("/webhooks/legal/telegram"))


@pytest.fixture
async def fake() -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    FakeTelegram().mount(app, PREFIX)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


Client = TestClient[web.Request, web.Application]


async def api(client: Client, method: str, token: str = TOKEN, **params: Any) -> tuple[int, dict[str, Any]]:
    """A Bot API call sent as aiogram sends it: multipart form, nested objects as JSON strings."""
    form = aiohttp.FormData(quote_fields=False)
    for name, value in params.items():
        if isinstance(value, bytes):
            form.add_field(name, value, filename=f"{name}.bin")
        else:
            form.add_field(name, value if isinstance(value, str) else json.dumps(value))
    form.add_field("_force_multipart", b"", filename="unused")
    response = await client.post(f"{PREFIX}/bot{token}/{method}", data=form)
    return response.status, await response.json()


async def register(client: Client, url: str, secret: str = "s3cret-Token_1") -> None:
    status, answer = await api(client, "setWebhook", url=url, secret_token=secret)
    assert (status, answer) == (200, {"ok": True, "result": True})


async def user_writes(client: Client, text: str = "Здравствуйте", **query: str) -> tuple[int, dict[str, Any]]:
    update = {"message": {"from": USER, "chat": CHAT, "text": text}}
    response = await client.post(f"{PREFIX}/updates", json=update, params=query)
    return response.status, await response.json()


async def outbox(client: Client, **query: str) -> list[dict[str, Any]]:
    response = await client.get(f"{PREFIX}/outbox", params=query)
    assert response.status == 200
    return list((await response.json())["calls"])


async def test_update_and_message_ids_keep_increasing_across_restarts_of_the_fake(
    webhook: tuple[Webhook, str],
) -> None:
    """Regression: a restarted fake numbered updates and messages from 1 again, so a new message
    took the identity of one the bot had already stored (and its request's number)."""
    receiver, url = webhook
    seen: list[tuple[int, int]] = []
    for _ in range(2):
        app = web.Application()
        FakeTelegram().mount(app, PREFIX)
        async with TestClient(TestServer(app, host="127.0.0.1")) as restarted:
            await register(restarted, url)
            for _ in range(2):
                status, _ = await user_writes(restarted)
                assert status == 200
                _, update = receiver.received[-1]
                seen.append((update["update_id"], update["message"]["message_id"]))
    update_ids = [update_id for update_id, _ in seen]
    message_ids = [message_id for _, message_id in seen]
    assert update_ids == sorted(set(update_ids))
    assert message_ids == sorted(set(message_ids))


async def test_get_me_gives_a_deterministic_bot_user(fake: Client) -> None:
    status, answer = await api(fake, "getMe")
    assert status == 200
    assert answer["result"]["id"] == 7000000042
    assert answer["result"]["is_bot"] is True


async def test_malformed_token_is_unauthorized(fake: Client) -> None:
    status, answer = await api(fake, "getMe", token="123:short")
    assert (status, answer) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})


async def test_unknown_method_is_not_found(fake: Client) -> None:
    status, answer = await api(fake, "sendRocket", chat_id=1)
    assert (status, answer["description"]) == (404, "Not Found")


async def test_update_is_delivered_with_the_secret_and_its_status_returned(
    fake: Client, webhook: tuple[Webhook, str]
) -> None:
    receiver, url = webhook
    await register(fake, url)
    status, answer = await user_writes(fake)
    assert status == 200
    assert answer["delivered"] is True
    assert answer["status"] == 200
    headers, update = receiver.received[0]
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret-Token_1"
    assert update["update_id"] == answer["update_id"]
    message = update["message"]
    assert message["text"] == "Здравствуйте"
    assert isinstance(message["date"], int)
    assert message["message_id"] >= 1

    receiver.status = 401
    status, answer = await user_writes(fake)
    assert (status, answer["status"]) == (401, 401)
    status, answer = await api(fake, "getWebhookInfo")
    assert answer["result"]["last_error_message"] == "Wrong response from the webhook: 401"


async def test_updates_without_a_webhook_are_refused_or_queued_for_polling() -> None:
    app = web.Application()
    FakeTelegram(webhook_wait=0.1).mount(app, PREFIX)
    async with TestClient(TestServer(app, host="127.0.0.1")) as fake:
        status, answer = await user_writes(fake)
        assert (status, answer) == (409, {"error": "no webhook registered"})


async def test_an_update_waits_for_the_webhook_of_a_starting_bot(
    fake: Client, webhook: tuple[Webhook, str]
) -> None:
    delivery = asyncio.ensure_future(user_writes(fake))
    await asyncio.sleep(0.2)
    await register(fake, webhook[1])
    status, answer = await asyncio.wait_for(delivery, 2)
    assert status == 200
    assert answer["delivered"] is True


async def test_updates_for_a_bot_without_webhook_are_queued_for_polling(fake: Client) -> None:
    await api(fake, "deleteWebhook")
    status, queued = await user_writes(fake, "Вопрос", token=TOKEN)
    assert status == 202
    assert queued["queued"] is True
    status, answer = await api(fake, "getUpdates", timeout=1)
    assert [(u["update_id"], u["message"]["text"]) for u in answer["result"]] == [
        (queued["update_id"], "Вопрос")
    ]
    status, answer = await api(fake, "getUpdates", offset=queued["update_id"] + 1, timeout=0)
    assert answer == {"ok": True, "result": []}


async def test_get_updates_conflicts_with_an_active_webhook(
    fake: Client, webhook: tuple[Webhook, str]
) -> None:
    await register(fake, webhook[1])
    status, answer = await api(fake, "getUpdates")
    assert status == 409
    assert answer["description"].startswith("Conflict: can't use getUpdates method while webhook is active")


async def test_send_message_to_a_known_chat_is_recorded_with_parsed_markup(
    fake: Client, webhook: tuple[Webhook, str]
) -> None:
    await register(fake, webhook[1])
    await user_writes(fake)
    markup = {"inline_keyboard": [[{"text": "Меню", "callback_data": "go:menu"}]]}
    status, answer = await api(fake, "sendMessage", chat_id=5001, text="Привет!", reply_markup=markup)
    assert status == 200
    message = answer["result"]
    assert message["chat"]["id"] == 5001
    assert message["from"]["id"] == 7000000042
    assert message["text"] == "Привет!"
    assert message["reply_markup"] == markup

    calls = await outbox(fake, chat_id="5001")
    assert [call["method"] for call in calls] == ["sendMessage"]
    assert calls[0]["token_id"] == BOT_ID
    assert TOKEN not in json.dumps(calls)
    assert calls[0]["body"]["reply_markup"] == markup
    assert calls[0]["body"]["chat_id"] == 5001
    assert calls[0]["ok"] is True
    assert calls[0]["result"]["message_id"] == message["message_id"]


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"text": "   "}, "Bad Request: message text is empty"),
        ({"text": "я" * 4097}, "Bad Request: message is too long"),
        (
            {"text": "ok", "reply_markup": {"inline_keyboard": [[{"text": "b", "callback_data": "x" * 65}]]}},
            "Bad Request: BUTTON_DATA_INVALID",
        ),
    ],
    ids=["empty", "too-long", "callback-data"],
)
async def test_send_message_limits_are_the_real_ones(
    fake: Client, webhook: tuple[Webhook, str], params: dict[str, Any], description: str
) -> None:
    await register(fake, webhook[1])
    await user_writes(fake)
    status, answer = await api(fake, "sendMessage", chat_id=5001, **params)
    assert (status, answer) == (400, {"ok": False, "error_code": 400, "description": description})
    [call] = await outbox(fake, chat_id="5001")
    assert call["ok"] is False
    assert call["error_code"] == 400


async def test_exactly_4096_characters_are_accepted(fake: Client, webhook: tuple[Webhook, str]) -> None:
    await register(fake, webhook[1])
    await user_writes(fake)
    status, _ = await api(fake, "sendMessage", chat_id=5001, text="я" * 4096)
    assert status == 200


async def test_a_user_text_over_4096_characters_is_never_delivered(
    fake: Client, webhook: tuple[Webhook, str]
) -> None:
    """Telegram's apps send a longer text as several messages, so no update carries one."""
    receiver, url = webhook
    await register(fake, url)
    status, answer = await user_writes(fake, "я" * 4097)
    assert status == 400
    assert "4096" in answer["error"]
    assert receiver.received == []
    status, answer = await user_writes(fake, "я" * 4096)
    assert (status, answer["delivered"]) == (200, True)
    assert len(receiver.received) == 1


async def test_unknown_chat_and_blocked_chat(fake: Client, webhook: tuple[Webhook, str]) -> None:
    await register(fake, webhook[1])
    status, answer = await api(fake, "sendMessage", chat_id=999, text="hi")
    assert (status, answer["description"]) == (400, "Bad Request: chat not found")

    await user_writes(fake)
    bot_user = {"id": 7000000042, "is_bot": True, "first_name": "Legal"}
    blocked = {
        "my_chat_member": {
            "chat": CHAT,
            "from": USER,
            "old_chat_member": {"user": bot_user, "status": "member"},
            "new_chat_member": {"user": bot_user, "status": "kicked", "until_date": 0},
        }
    }
    assert (await fake.post(f"{PREFIX}/updates", json=blocked)).status == 200
    status, answer = await api(fake, "sendMessage", chat_id=5001, text="hi")
    assert (status, answer) == (
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )


async def test_flood_control_answers_429_with_retry_after(fake: Client, webhook: tuple[Webhook, str]) -> None:
    await register(fake, webhook[1])
    await user_writes(fake)
    statuses = [(await api(fake, "sendMessage", chat_id=5001, text=f"#{n}"))[0] for n in range(30)]
    assert set(statuses) == {200}
    status, answer = await api(fake, "sendMessage", chat_id=5001, text="one too many")
    assert status == 429
    assert answer["parameters"]["retry_after"] >= 1
    assert answer["description"].startswith("Too Many Requests: retry after")


async def test_a_bot_over_its_messages_a_second_gets_429_whatever_the_chats(
    webhook: tuple[Webhook, str],
) -> None:
    """Telegram allows 30 a second per bot (the default); 3 here, so the calls surely fall in one second."""
    app = web.Application()
    FakeTelegram(bot_messages_per_second=3).mount(app, PREFIX)
    async with TestClient(TestServer(app, host="127.0.0.1")) as fake:
        await register(fake, webhook[1])
        chats = [6000 + n for n in range(4)]
        for chat in chats:
            user = {**USER, "id": chat}
            update = {"message": {"from": user, "chat": {**CHAT, "id": chat}, "text": "Здравствуйте"}}
            assert (await fake.post(f"{PREFIX}/updates", json=update)).status == 200
        statuses = [(await api(fake, "sendMessage", chat_id=chat, text="Новости"))[0] for chat in chats[:3]]
        status, answer = await api(fake, "sendMessage", chat_id=chats[3], text="Новости")

    assert BOT_MESSAGES_PER_SECOND == 30
    assert set(statuses) == {200}
    assert (status, answer["error_code"]) == (429, 429)
    assert answer["parameters"]["retry_after"] >= 1


async def test_control_makes_the_next_calls_fail_as_asked(fake: Client) -> None:
    response = await fake.post(
        f"{PREFIX}/control", json={"fail_next": [{"error_code": 429, "retry_after": 3}, {"error_code": 502}]}
    )
    assert response.status == 200
    first = await api(fake, "getMe")
    second = await api(fake, "getMe")
    third = await api(fake, "getMe")
    assert first == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        },
    )
    assert second == (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
    assert third[0] == 200
    assert [call["error_code"] for call in (await outbox(fake))[:2]] == [429, 502]

    response = await fake.post(f"{PREFIX}/control", json={"fail_next": [{"error_code": "x"}]})
    assert response.status == 400


async def test_callback_query_can_be_answered_once(fake: Client, webhook: tuple[Webhook, str]) -> None:
    await register(fake, webhook[1])
    update = {"callback_query": {"id": "cb-1", "from": USER, "data": "go:menu"}}
    assert (await fake.post(f"{PREFIX}/updates", json=update)).status == 200
    assert webhook[0].received[0][1]["callback_query"]["chat_instance"]
    assert await api(fake, "answerCallbackQuery", callback_query_id="cb-1") == (
        200,
        {"ok": True, "result": True},
    )
    status, answer = await api(fake, "answerCallbackQuery", callback_query_id="cb-1")
    assert status == 400
    assert "query ID is invalid" in answer["description"]


async def test_edit_message_text_and_markup(fake: Client, webhook: tuple[Webhook, str]) -> None:
    await register(fake, webhook[1])
    await user_writes(fake)
    _, sent = await api(fake, "sendMessage", chat_id=5001, text="Статус: в работе")
    message_id = sent["result"]["message_id"]
    status, answer = await api(
        fake, "editMessageText", chat_id=5001, message_id=message_id, text="Статус: готово"
    )
    assert status == 200
    assert answer["result"]["text"] == "Статус: готово"
    assert "edit_date" in answer["result"]
    status, answer = await api(
        fake, "editMessageText", chat_id=5001, message_id=message_id, text="Статус: готово"
    )
    assert status == 400
    assert answer["description"].startswith("Bad Request: message is not modified")
    markup = {"inline_keyboard": [[{"text": "Оценить", "callback_data": "rate"}]]}
    status, answer = await api(
        fake, "editMessageReplyMarkup", chat_id=5001, message_id=message_id, reply_markup=markup
    )
    assert status == 200
    assert answer["result"]["reply_markup"] == markup
    status, answer = await api(fake, "editMessageText", chat_id=5001, message_id=9999, text="x")
    assert (status, answer["description"]) == (400, "Bad Request: message to edit not found")


async def test_uploaded_document_is_listed_by_name_and_size_and_served_back(
    fake: Client, webhook: tuple[Webhook, str]
) -> None:
    await register(fake, webhook[1])
    await user_writes(fake)
    content = b"%PDF-1.4 answer"
    status, answer = await api(fake, "sendDocument", chat_id=5001, document=content, caption="Ответ юриста")
    assert status == 200
    document = answer["result"]["document"]
    assert document["file_size"] == len(content)
    assert answer["result"]["caption"] == "Ответ юриста"
    [call] = await outbox(fake, method="sendDocument")
    assert call["body"]["document"] == {"file_name": "document.bin", "size": len(content)}

    status, answer = await api(fake, "getFile", file_id=document["file_id"])
    file_path = answer["result"]["file_path"]
    download = await fake.get(f"{PREFIX}/file/bot{TOKEN}/{file_path}")
    assert download.status == 200
    assert await download.read() == content

    status, answer = await api(fake, "sendDocument", chat_id=5001, document=document["file_id"])
    assert status == 200
    assert answer["result"]["document"]["file_id"] == document["file_id"]
    status, answer = await api(fake, "sendDocument", chat_id=5001, document="no-such-file")
    assert (status, answer["description"]) == (400, "Bad Request: wrong file identifier/HTTP URL specified")
    status, answer = await api(fake, "sendPhoto", chat_id=5001, photo=b"\x89PNG", caption="с" * 1025)
    assert (status, answer["description"]) == (400, "Bad Request: message caption is too long")


async def test_simulator_upload_is_a_file_the_bot_can_fetch(fake: Client) -> None:
    form = aiohttp.FormData()
    form.add_field("file", b"scan", filename="passport.jpg", content_type="image/jpeg")
    response = await fake.post(f"{PREFIX}/files", data=form)
    uploaded = await response.json()
    assert response.status == 200
    assert uploaded["file_size"] == 4
    _status, answer = await api(fake, "getFile", file_id=uploaded["file_id"])
    assert answer["result"]["file_path"] == uploaded["file_path"]
    download = await fake.get(f"{PREFIX}/file/bot{TOKEN}/{uploaded['file_path']}")
    assert download.headers["Content-Type"] == "image/jpeg"
    missing = await fake.get(f"{PREFIX}/file/bot{TOKEN}/documents/nothing.pdf")
    assert missing.status == 404


async def test_bodies_are_bounded() -> None:
    app = web.Application()
    FakeTelegram(max_upload_bytes=1000, max_json_bytes=500).mount(app, PREFIX)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        status, answer = await api(client, "sendDocument", chat_id=1, document=b"x" * 2000)
        assert (status, answer["error_code"]) == (413, 413)
        response = await client.post(f"{PREFIX}/updates", data=json.dumps({"message": {"text": "x" * 600}}))
        assert response.status == 413


async def test_outbox_filters_and_clears(fake: Client, webhook: tuple[Webhook, str]) -> None:
    await register(fake, webhook[1])
    await user_writes(fake)
    await api(fake, "sendMessage", chat_id=5001, text="one")
    await api(fake, "sendMessage", chat_id=5001, text="two")
    calls = await outbox(fake)
    assert [call["method"] for call in calls] == ["setWebhook", "sendMessage", "sendMessage"]
    later = await outbox(fake, after=str(calls[1]["seq"]))
    assert [call["body"]["text"] for call in later] == ["two"]
    assert [c["method"] for c in await outbox(fake, method="setWebhook")] == ["setWebhook"]
    assert (await fake.delete(f"{PREFIX}/outbox")).status == 200
    assert await outbox(fake) == []


async def test_webhook_unreachable_is_reported(fake: Client) -> None:
    await register(fake, "http://127.0.0.1:9/webhooks/legal/telegram")
    status, answer = await user_writes(fake)
    assert status == 502
    assert answer["delivered"] is False


async def test_long_poll_returns_when_an_update_arrives(fake: Client) -> None:
    await api(fake, "getMe")
    poll = asyncio.ensure_future(api(fake, "getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await user_writes(fake, "/start", token=TOKEN)
    status, answer = await asyncio.wait_for(poll, 2)
    assert status == 200
    assert answer["result"][0]["message"]["text"] == "/start"
