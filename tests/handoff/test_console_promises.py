"""The console's promises through its HTTP API and WebSocket, on both stacks (the embedded SQLite default,
and PostgreSQL + Redis): the race on "take", a file in a reply, a refused reply shown as failed, a dropped
live connection that catches up, and a shutdown that does not wait for open console tabs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from bots.app.settings import Settings
from tests.support.app import serving
from tests.support.console_user import ConsoleUser
from tests.support.telegram_user import TelegramUser
from tests.support.waiting import drained

SignIn = Callable[[str], Awaitable[ConsoleUser]]
PDF = b"%PDF-1.4\n" + b"0" * 4096
WAIT_S = 10.0


@pytest.fixture
async def sign_in(stack: Settings) -> AsyncIterator[SignIn]:
    """Signs people in to the console API; each stays *away*, so nothing is assigned to them by itself."""
    people: list[ConsoleUser] = []

    async def person(login: str) -> ConsoleUser:
        user = ConsoleUser(stack.base_url)
        people.append(user)
        await user.login(login)
        return user

    yield person
    for user in people:
        await user.close()


async def client_waits(http: aiohttp.ClientSession, stack: Settings, user_id: int, name: str) -> TelegramUser:
    """A client with a verified phone writes «оператор» in Telegram and is told their place in the queue."""
    telegram = TelegramUser(http, stack.base_url, user_id=user_id, first_name=name)
    await telegram.send("/start")
    await telegram.share_contact(f"+7999{user_id:07d}")
    told = await telegram.send("оператор")
    assert any("место в очереди" in message.text for message in told), [m.text for m in told]
    return telegram


async def waiting_conversation(person: ConsoleUser, name: str) -> int:
    items = (await person.get("/conversations", params={"view": "queue"}))["items"]
    [found] = [item["id"] for item in items if item["client"]["name"] == name]
    return int(found)


async def taken_by(person: ConsoleUser, http: aiohttp.ClientSession, stack: Settings, user_id: int) -> int:
    name = f"Клиент{user_id}"
    await client_waits(http, stack, user_id, name)
    conversation = await waiting_conversation(person, name)
    await person.post(f"/conversations/{conversation}/take")
    # The client is told who joined: that notice leaves before the caller makes the platform refuse
    # "the next message" (CI once saw the refusal taken by the notice, not by the reply).
    assert await drained(http, stack.base_url, within=WAIT_S), "the notice that a person joined was sent"
    return conversation


async def live_line(person: ConsoleUser, stack: Settings) -> aiohttp.ClientWebSocketResponse:
    """The console tab's live connection (the page's own origin, as a browser sends it)."""
    socket = await person.http.ws_connect(
        f"{stack.base_url}/console/api/live", headers={"Origin": stack.base_url}
    )
    hello = await socket.receive_json(timeout=WAIT_S)
    assert hello["type"] == "hello"
    return socket


async def prompt(socket: aiohttp.ClientWebSocketResponse, wanted: Callable[[dict[str, Any]], bool]) -> Any:
    deadline = time.monotonic() + WAIT_S
    while (left := deadline - time.monotonic()) > 0:
        said = await socket.receive_json(timeout=left)
        if wanted(said):
            return said
    raise AssertionError("no such prompt within 10 s")


async def test_two_people_pressing_take_at_once_one_gets_it_and_the_other_a_409(
    http: aiohttp.ClientSession, stack: Settings, sign_in: SignIn
) -> None:
    async with serving(stack):
        lawyer, supervisor = await sign_in("lawyer"), await sign_in("supervisor")
        for user_id, name in ((9601, "Вера"), (9602, "Глеб"), (9603, "Дина")):
            await client_waits(http, stack, user_id, name)
            conversation = await waiting_conversation(lawyer, name)
            take = f"/conversations/{conversation}/take"

            answers = await asyncio.gather(lawyer.call("POST", take), supervisor.call("POST", take))

            assert sorted(status for status, _ in answers) == [200, 409]
            [(_, won)] = [answer for answer in answers if answer[0] == 200]
            [(_, refused)] = [answer for answer in answers if answer[0] == 409]
            assert refused["error"]["code"] == "taken"
            holder = won["conversation"]["assignee"]["login"]
            assert (await supervisor.get(f"/conversations/{conversation}"))["assignee"]["login"] == holder


async def test_a_reply_with_a_file_reaches_the_client_in_their_channel(
    http: aiohttp.ClientSession, stack: Settings, sign_in: SignIn
) -> None:
    async with serving(stack):
        lawyer = await sign_in("lawyer")
        telegram = await client_waits(http, stack, 9611, "Ева")
        conversation = await waiting_conversation(lawyer, "Ева")
        await lawyer.post(f"/conversations/{conversation}/take")
        await telegram.replies()
        form = aiohttp.FormData(quote_fields=False)
        form.add_field("text", "Образец претензии во вложении")
        form.add_field("file", PDF, filename="претензия.pdf", content_type="application/pdf")

        status, sent = await lawyer.call("POST", f"/conversations/{conversation}/messages", data=form)

        assert status == 201, sent
        [document] = [message for message in await telegram.replies() if message.method == "sendDocument"]
        assert document.text == "Образец претензии во вложении"
        result = (await telegram.calls())[-1]["result"]["document"]
        assert result["file_name"] == "претензия.pdf"
        async with http.get(f"{stack.base_url}/fake/telegram/user_file/{result['file_id']}") as download:
            assert (download.status, await download.read()) == (200, PDF)
        packet = await lawyer.get(f"/conversations/{conversation}")
        [entry] = [entry for entry in packet["history"] if entry["id"] == sent["message"]["id"]]
        assert (entry["author"], entry["attachment"]["name"]) == ("person", "претензия.pdf")
        async with lawyer.http.get(f"{stack.base_url}{entry['attachment']['url']}") as stored:
            assert await stored.read() == PDF


async def test_a_reply_the_platform_refuses_is_shown_failed_live_and_in_the_history(
    http: aiohttp.ClientSession, stack: Settings, sign_in: SignIn
) -> None:
    async with serving(stack):
        lawyer = await sign_in("lawyer")
        conversation = await taken_by(lawyer, http, stack, 9621)
        socket = await live_line(lawyer, stack)
        refusal = {"error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        async with http.post(
            f"{stack.base_url}/fake/telegram/control", json={"fail_next": [refusal]}
        ) as done:
            assert done.status == 200

        sent = await lawyer.post(
            f"/conversations/{conversation}/messages", {"text": "Ответ, который не дойдёт"}, expect=201
        )

        entry_id = sent["message"]["id"]
        told = await prompt(socket, lambda said: said.get("status") == "failed")
        assert (told["conversation_id"], f"m{told['message_id']}") == (conversation, entry_id)
        history = (await lawyer.get(f"/conversations/{conversation}"))["history"]
        [entry] = [entry for entry in history if entry["id"] == entry_id]
        assert (entry["text"], entry["status"]) == ("Ответ, который не дойдёт", "failed")
        await socket.close()


async def test_a_dropped_live_connection_catches_up_without_losing_or_repeating(
    http: aiohttp.ClientSession, stack: Settings, sign_in: SignIn
) -> None:
    async with serving(stack):
        lawyer = await sign_in("lawyer")
        conversation = await taken_by(lawyer, http, stack, 9631)
        telegram = TelegramUser(http, stack.base_url, user_id=9631, first_name="Клиент9631")
        socket = await live_line(lawyer, stack)
        await telegram.post_update(telegram.message_update("до обрыва"))
        await prompt(socket, lambda said: said.get("conversation_id") == conversation)
        before = await lawyer.entries_until(conversation, lambda entry: entry["text"] == "до обрыва")
        cursor = (await lawyer.get(f"/conversations/{conversation}/messages"))["cursor"]
        await socket.close()

        for text in ("пока не было связи", "и ещё одно"):
            status, _ = await telegram.post_update(telegram.message_update(text))
            assert status == 200
        socket = await live_line(lawyer, stack)
        caught_up = await lawyer.entries_until(
            conversation, lambda entry: entry["text"] == "и ещё одно", after=cursor
        )
        again = await lawyer.get(f"/conversations/{conversation}/messages", params={"after": cursor})

        said = [entry["text"] for entry in caught_up if entry["author"] == "client"]
        assert said == ["пока не было связи", "и ещё одно"]
        assert [entry["id"] for entry in again["items"]] == [entry["id"] for entry in caught_up]
        assert not {entry["id"] for entry in before} & {entry["id"] for entry in caught_up}
        latest = await lawyer.get(
            f"/conversations/{conversation}/messages", params={"after": again["cursor"]}
        )
        assert latest["items"] == []
        await socket.close()


async def test_the_app_stops_at_once_with_a_console_tab_open(stack: Settings, sign_in: SignIn) -> None:
    async with serving(stack):
        lawyer = await sign_in("lawyer")
        socket = await live_line(lawyer, stack)
        tab_reads = asyncio.create_task(socket.receive(timeout=WAIT_S))
        stopping = time.monotonic()

    assert time.monotonic() - stopping < 5
    closing = await tab_reads
    assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, aiohttp.WSCloseCode.GOING_AWAY)
    await socket.close()
