"""What an action server answers, parsed at the boundary: typed parts used, anything else refused politely."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.types import AttachmentKind
from dialogs.actions import RemoteActions
from dialogs.model import CompiledBot
from tests.dialogs.harness import DialogHarness


class ScriptedServer:
    """An action server that answers every call with the body a test gives it."""

    def __init__(self) -> None:
        self.body = b"{}"
        self.calls: list[dict[str, object]] = []

    async def webhook(self, request: web.Request) -> web.Response:
        self.calls.append(await request.json())
        return web.Response(body=self.body, content_type="application/json")


@pytest.fixture
async def server() -> AsyncIterator[tuple[ScriptedServer, RemoteActions]]:
    scripted = ScriptedServer()
    app = web.Application()
    app.router.add_post("/webhook", scripted.webhook)
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    remote = RemoteActions(str(test_server.make_url("/")), ["lookup_request_status", "case_page"], timeout=5)
    try:
        yield scripted, remote
    finally:
        await remote.close()
        await test_server.close()


async def test_messages_files_and_slots_from_a_server(
    lab_bot: CompiledBot, server: tuple[ScriptedServer, RemoteActions]
) -> None:
    scripted, remote = server
    scripted.body = b"""{
        "responses": [
            {"text": "Your answer", "custom": {"attachment": {"kind": "audio", "storage_key": "k1.ogg",
             "mime": "audio/ogg", "name": "answer.ogg", "duration": 7}}},
            {"image": "https://files.example/plan.png", "buttons": null, "elements": null},
            {"response": "status_hint", "hours": 48, "recipient_id": "client-1"}
        ],
        "events": [{"event": "slot", "name": "request_status", "value": "ready", "timestamp": null}]
    }"""
    flow = DialogHarness.for_bot(lab_bot, actions=remote)
    result = await flow.send("status")
    assert flow.texts == ["Your answer", "", "Ответ в течение 48 ч", "Статус: ready"]
    audio, image = (reply.attachment for reply in result.replies[:2])
    assert audio is not None
    assert image is not None
    assert (audio.kind, audio.source.storage_key, audio.file_name, audio.duration) == (
        AttachmentKind.AUDIO,
        "k1.ogg",
        "answer.ogg",
        7,
    )
    assert (image.kind, image.source.url) == (AttachmentKind.IMAGE, "https://files.example/plan.png")
    assert result.slot_changes == {"request_status": "ready"}


MALFORMED = {
    "an event no rasa-sdk defines": b'{"events": [{"event": "teleport", "to": "mars"}]}',
    "a slot without a name": b'{"events": [{"event": "slot", "value": 1}]}',
    "a slot the engine fills": b'{"events": [{"event": "slot", "name": "client_id", "value": "x"}]}',
    "a text that is a number": b'{"responses": [{"text": 42}]}',
    "a platform file without its channel": b'{"responses": [{"custom": {"attachment": {"file_id": "x"}}}]}',
    "a carousel": b'{"responses": [{"elements": [{"title": "card"}]}]}',
    "a button standing for too much": b'{"responses": [{"buttons": [{"title": "a", "payload": "'
    + b"p" * 300
    + b'"}]}]}',
    "not JSON": b"<html>oops</html>",
    "a list instead of a result": b"[]",
    "half a megabyte": b'{"responses": [{"text": "' + b"x" * 600_000 + b'"}]}',
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_malformed_result_is_refused_politely_and_the_dialog_goes_on(
    lab_bot: CompiledBot, server: tuple[ScriptedServer, RemoteActions], body: bytes
) -> None:
    scripted, remote = server
    scripted.body = body
    flow = DialogHarness.for_bot(lab_bot, actions=remote)
    result = await flow.send("status")
    assert flow.texts == ["Сбой, попробуйте позже"]
    assert [(event.name, event.data["error"]) for event in result.events] == [
        ("action_failed", "MalformedActionResult")
    ]
    assert result.slot_changes == {}
    await flow.send("menu")
    assert flow.texts == ["Привет, Анна!", "Что проверим?"]


async def test_a_list_action_is_asked_for_a_page_and_may_answer_another(
    lab_bot: CompiledBot, server: tuple[ScriptedServer, RemoteActions]
) -> None:
    scripted, remote = server
    records = b'{"items": [{"id": "a", "number": 4}], "total": 4, "page": 1}'
    scripted.body = b'{"responses": [{"custom": {"records": ' + records + b"}}]}"
    flow = DialogHarness.for_bot(lab_bot, actions=remote)
    await flow.send("cases")
    assert flow.texts == ["Дела (всего 4):\nСтраница 2 из 2"]
    flow.assert_buttons("Дело №4", "← Назад", "Назад в начало")
    slots = scripted.calls[-1]["tracker"]
    assert isinstance(slots, dict)
    assert (slots["slots"]["list_page"], slots["slots"]["list_per_page"]) == (0, 3)


async def test_a_list_action_that_sends_no_records_is_refused(
    lab_bot: CompiledBot, server: tuple[ScriptedServer, RemoteActions]
) -> None:
    scripted, remote = server
    scripted.body = b'{"responses": [{"text": "here they are"}]}'
    flow = DialogHarness.for_bot(lab_bot, actions=remote)
    await flow.send("cases")
    assert flow.texts == ["Сбой, попробуйте позже"]
