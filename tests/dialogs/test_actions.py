"""Actions in-process and on a real rasa-sdk action server, as the engine runs them."""

from __future__ import annotations

import pytest

from adapters.types import Channel, ConversationRef, Inbound, Sender, TextBody
from dialogs.actions import (
    ActionServerError,
    CompositeActions,
    LocalActions,
    RemoteActions,
    UnknownActionError,
)
from dialogs.model import CompiledBot
from dialogs.tracker import build_domain, build_tracker
from dialogs.turn import ClientView
from tests.dialogs.harness import SAMPLE_ACTION_NAMES, DialogHarness, sample_actions
from tests.dialogs.sample_actions import Explode


async def test_local_action_replies_and_sets_slots(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    result = await flow.send("status")
    assert flow.texts == ["Status of ?: in progress", "Ответ в течение 24 ч", "Статус: in_progress"]
    assert result.slot_changes == {"request_status": "in_progress", "channel_seen": "telegram"}


async def test_buttons_from_an_action_answer_the_next_question(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.send("pick")
    assert flow.texts == ["Your requests:", "Какое обращение?"]
    flow.assert_buttons("No. 7", "No. 9")
    await flow.press("No. 9")
    assert flow.texts == ["Выбрано req-9"]


async def test_action_buttons_by_number_and_after_a_reask(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.send("pick")
    await flow.send_sticker()
    assert flow.texts == ["Ответьте текстом", "Какое обращение?"]
    flow.assert_buttons("No. 7", "No. 9")
    await flow.send("1")
    assert flow.texts == ["Выбрано req-7"]


async def test_a_failing_action_gets_a_polite_reply_and_an_event(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    result = await flow.send("broken")
    assert flow.texts == ["Сбой, попробуйте позже"]
    assert [(event.name, event.data["action"]) for event in result.events] == [("action_failed", "explode")]
    assert result.session.stack == []


async def test_on_error_continues_where_the_designer_said(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.send("recover")
    assert flow.texts == ["Сбой, попробуйте позже", "Привет, Анна!", "Что проверим?"]


async def test_an_action_setting_a_system_slot_is_refused_whole(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    result = await flow.send("touch")
    assert flow.texts == ["Сбой, попробуйте позже"]
    assert result.slot_changes == {}
    assert [(event.name, event.data["error"]) for event in result.events] == [
        ("action_failed", "MalformedActionResult")
    ]


async def test_a_followup_continues_at_the_flow_it_names(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    result = await flow.send("elsewhere")
    assert flow.texts == ["Привет, Анна!", "Что проверим?"]
    assert result.slot_changes == {"went": True}


async def test_a_followup_to_no_flow_of_the_bot_is_refused(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    assert flow.session is None
    await flow.start()
    assert flow.session is not None
    flow.session.slots["next_flow"] = "nowhere"
    result = await flow.send("elsewhere")
    assert flow.texts == ["Сбой, попробуйте позже"]
    assert "went" not in result.slot_changes


async def test_an_unknown_event_is_refused_and_nothing_of_the_result_is_used(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    result = await flow.send("teleport")
    assert flow.texts == ["Сбой, попробуйте позже"]
    assert result.slot_changes == {}


async def test_an_action_nobody_provides(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot, actions=LocalActions([]))
    result = await flow.send("status")
    assert result.events[0].data == {"action": "lookup_request_status", "error": "UnknownActionError"}


async def test_remote_action_through_a_real_action_server(
    lab_bot: CompiledBot, action_server_url: str
) -> None:
    remote = RemoteActions(action_server_url, ["lookup_request_status", "list_requests"], timeout=5)
    try:
        flow = DialogHarness.for_bot(lab_bot, actions=CompositeActions(LocalActions([Explode()]), remote))
        result = await flow.send("status")
        assert flow.texts == ["Status of ?: in progress", "Ответ в течение 24 ч", "Статус: in_progress"]
        assert result.slot_changes == {"request_status": "in_progress", "channel_seen": "telegram"}
        await flow.send("pick")
        await flow.press("No. 7")
        assert flow.texts == ["Выбрано req-7"]
        await flow.send("broken")
        assert flow.texts == ["Сбой, попробуйте позже"]
    finally:
        await remote.close()


async def test_the_legal_bot_creates_a_request_through_the_action_server(
    legal_bot: CompiledBot, action_server_url: str
) -> None:
    remote = RemoteActions(action_server_url, ["create_request"])
    try:
        flow = DialogHarness.for_bot(legal_bot, actions=remote)
        await flow.start()
        await flow.press("Новое обращение")
        await flow.press("Трудовые споры")
        await flow.press("Обычный вопрос")
        await flow.send("Работодатель не выплатил зарплату за два месяца")
        await flow.press("Пропустить")
        await flow.press("Письменно")
        result = await flow.press("Отправить")
        flow.assert_reply("Обращение №A-1001 принято, ответим до через 48 ч")
        assert result.slot_changes == {"request_number": "A-1001", "request_due": "через 48 ч"}
    finally:
        await remote.close()


async def test_action_server_errors_are_typed(action_server_url: str) -> None:
    remote = RemoteActions(action_server_url, ["no_such_action"])
    tracker = build_tracker(_an_event(), {}, ClientView(id="c"), "ru")
    try:
        with pytest.raises(ActionServerError) as raised:
            await remote.run("no_such_action", tracker, build_domain([], ["no_such_action"]))
        assert raised.value.status == 404
        with pytest.raises(UnknownActionError):
            await remote.run("something_else", tracker, {})
    finally:
        await remote.close()


async def test_an_unreachable_action_server() -> None:
    remote = RemoteActions("http://127.0.0.1:9", ["create_request"], timeout=2)
    tracker = build_tracker(_an_event(), {}, ClientView(id="c"), "ru")
    try:
        with pytest.raises(ActionServerError) as raised:
            await remote.run("create_request", tracker, {})
        assert raised.value.status == 0
    finally:
        await remote.close()


def test_composite_names_are_the_union() -> None:
    composite = CompositeActions(sample_actions(), RemoteActions("http://127.0.0.1:9", ["remote_one"]))
    assert composite.names() == SAMPLE_ACTION_NAMES | {"remote_one"}


def test_the_tracker_carries_system_slots_and_message_metadata() -> None:
    tracker = build_tracker(_an_event(), {"topic": "family"}, ClientView(id="c", phone_verified=True), "en")
    assert tracker.sender_id == "c"
    assert tracker.slots == {
        "topic": "family",
        "client_id": "c",
        "channel": "viber",
        "locale": "en",
        "phone_verified": True,
        "list_page": None,
        "list_per_page": None,
    }
    assert tracker.latest_message["text"] == "hi"
    assert tracker.latest_message["metadata"] == {
        "channel": "viber",
        "bot": "lab",
        "event_id": "e1",
        "message_key": "e1",
        "user_id": "u",
        "body": "text",
    }


def _an_event() -> Inbound:
    return Inbound(
        event_id="e1",
        conversation=ConversationRef(channel=Channel.VIBER, bot="lab", chat_id="c", user_id="u"),
        sender=Sender(user_id="u"),
        body=TextBody(text="hi"),
    )
