"""Every step kind and answer rule, driven as a client would through DialogEngine.turn."""

from __future__ import annotations

import pytest

from adapters.types import ButtonPress, Channel, ConversationRef, Inbound, MediaKind, Sender
from dialogs.model import CompiledBot
from dialogs.session import SessionState
from tests.dialogs.harness import DialogHarness


async def test_first_contact_greets_by_name_and_offers_buttons(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    result = await flow.start()
    assert flow.texts == ["Привет, Анна!", "Что проверим?"]
    flow.assert_buttons("Имя", "Возраст", "Контакты", "Человек")
    assert result.session.turns == 1
    assert result.session.last_event_id == "chat-1-1"
    assert all(len(button.payload.encode()) <= 40 for button in flow.buttons)


async def test_guest_without_a_first_name(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot, first_name=None)
    await flow.start()
    flow.assert_reply("Привет, гость!")


async def test_english_client_gets_english_texts(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot, locale="en-US")
    await flow.start()
    assert flow.texts[:2] == ["Hello, Анна!", "What shall we check?"]
    assert flow.session is not None
    assert flow.session.locale == "en"


async def test_unknown_locale_falls_back_to_russian(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot, locale="de")
    await flow.start()
    flow.assert_reply("Привет")


async def test_text_validation_reasks_then_saves_and_sets(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    await flow.press("Имя")
    assert flow.texts == ["Как вас зовут?"]
    await flow.send("A")
    assert flow.texts == ["Имя — от 2 до 20 букв.", "Как вас зовут?"]
    assert flow.session is not None
    assert flow.session.waiting is not None
    assert flow.session.waiting.attempts == 1
    result = await flow.send("  Иван  ")
    assert flow.texts == ["Рад знакомству, Иван"]
    assert result.slot_changes == {"name": "Иван", "greeting": "Рад знакомству, Иван", "counter": 1}
    assert result.ended
    assert result.session.stack == []


async def test_pattern_is_matched_against_the_whole_answer(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    await flow.press("Имя")
    await flow.send("Иван42")
    flow.assert_reply("Имя — от 2 до 20 букв.")


async def test_too_many_invalid_answers_hand_off(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    await flow.press("Имя")
    await flow.send("1")
    await flow.send("2")
    result = await flow.send("3")
    flow.assert_handoff("lawyers", "bot_failed")
    assert result.session.waiting is None
    assert [event.name for event in result.events] == ["ask_failed", "handoff"]


async def test_number_range_branch_and_call(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    await flow.press("Возраст")
    await flow.send("сорок")
    assert flow.texts == ["Нужно число", "Сколько вам лет?"]
    await flow.send("12")
    assert flow.texts == ["От 18 до 120", "Сколько вам лет?"]
    await flow.send("70")
    assert flow.texts == ["Скидка для пенсионеров", "Внутри подпрограммы", "Вернулись из подпрограммы"]
    assert flow.slots["age"] == 70


async def test_branch_else_arm(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    await flow.press("Возраст")
    await flow.send("30,5")
    assert flow.texts[0] == "Обычный тариф"
    assert flow.slots["age"] == 30.5


async def test_contact_email_phone_file_and_any(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    await flow.press("Контакты")
    assert flow.last is not None
    assert flow.last.replies[0].request_contact == "Поделиться номером"
    await flow.send_file()
    assert flow.texts == ["Нужен контакт", "Поделитесь номером"]
    await flow.share_contact("+7 (999) 123-45-67")
    assert flow.slots["contact"] == {"phone": "+79991234567", "verified": True}
    await flow.send("not an email")
    assert flow.texts[0] == "Неверная почта"
    await flow.send("anna@example.ru")
    await flow.send("12")
    assert flow.texts[0] == "Неверный телефон"
    await flow.send("8 912 000 11 22")
    assert flow.slots["phone"] == "+79120001122"
    assert flow.texts == ["Пришлите документ"]
    await flow.send("вот")
    assert flow.texts == ["Нужен файл", "Пришлите документ"]
    await flow.send_file("contract.pdf", size=2048)
    assert flow.slots["doc"] == {
        "kind": "document",
        "channel": "telegram",
        "file_id": "file-10",
        "file_name": "contract.pdf",
        "mime_type": "application/pdf",
        "size": 2048,
    }
    await flow.send_location(55.75, 37.62)
    assert flow.slots["anything"] == {"latitude": 55.75, "longitude": 37.62}
    assert flow.texts[-1] == "Что проверим?"


async def test_typed_phone_counts_as_unverified_contact(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    await flow.press("Контакты")
    await flow.send("+44 20 7946 0958")
    assert flow.slots["contact"] == {"phone": "+442079460958", "verified": False}


async def test_skip_button_next_to_a_file_ask(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    await flow.press("Контакты")
    await flow.share_contact("+79991234567")
    await flow.send("a@b.ru")
    await flow.send("+79990000000")
    result = await flow.press("Пропустить")
    assert result.slot_changes == {"doc": None}
    assert flow.texts == ["Что угодно"]


async def test_sticker_where_text_is_expected_counts_as_an_attempt(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    await flow.press("Имя")
    await flow.send_sticker()
    assert flow.texts == ["Ответьте текстом", "Как вас зовут?"]
    assert flow.session is not None
    assert flow.session.waiting is not None
    assert flow.session.waiting.attempts == 1
    await flow.send_file(media=MediaKind.IMAGE)
    assert flow.session.waiting.attempts == 2


async def test_typed_title_and_number_select_buttons(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    await flow.send("  возраст ")
    assert flow.texts == ["Сколько вам лет?"]
    await flow.send("menu")
    await flow.send("1")
    assert flow.texts == ["Как вас зовут?"]


async def test_text_that_is_no_button_asks_to_choose(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    await flow.send("9")
    assert flow.texts == ["Выберите кнопку", "Что проверим?"]
    flow.assert_buttons("Имя", "Возраст", "Контакты", "Человек")


async def test_stale_and_forged_buttons_are_refused_politely(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    menu_buttons = flow.buttons
    await flow.press("Имя")
    result = await flow.press_payload(menu_buttons[1].payload)
    assert flow.texts == ["Кнопка неактивна", "Как вас зовут?"]
    assert result.slot_changes == {}
    assert result.session.waiting is not None
    assert result.session.waiting.attempts == 0
    await flow.press_payload("0")
    assert flow.texts == ["Кнопка неактивна", "Как вас зовут?"]


async def test_a_button_press_with_no_question_open(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    await flow.press("Имя")
    await flow.send("Иван")
    await flow.press_payload("c0000000000000000")
    assert flow.texts[0] == "Кнопка неактивна"
    assert flow.texts[-1] == "Что проверим?"


async def test_triggers_override_a_waiting_question(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    await flow.press("Возраст")
    await flow.send("  HUMAN   please ")
    flow.assert_handoff("lawyers", "asked")
    assert flow.session is not None
    assert flow.session.stack == []


async def test_button_handoff_carries_a_rendered_note(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    result = await flow.press("Человек")
    assert result.handoff is not None
    assert result.handoff.note == "Анна"


async def test_start_event_repeats_the_open_question_when_no_start_trigger(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    await flow.press("Имя")
    await flow.start()
    assert flow.texts == ["Как вас зовут?"]


async def test_free_text_outside_a_question_falls_back(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    await flow.press("Имя")
    await flow.send("Иван")
    assert flow.session is not None
    assert flow.session.stack == []
    await flow.send("привет")
    assert flow.texts == ["Не понял", "Привет, Анна!", "Что проверим?"]


@pytest.mark.parametrize("first", ["привет", "Добрый день! Мне нужна помощь", "💬"])
async def test_the_first_message_of_a_conversation_starts_the_bot(lab_bot: CompiledBot, first: str) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.send(first)
    assert flow.texts == ["Привет, Анна!", "Что проверим?"]


async def test_a_stale_button_as_the_first_message_is_answered_as_stale(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.press_payload("c0123456789abcdef")
    assert flow.texts == ["Кнопка неактивна", "Привет, Анна!", "Что проверим?"]


async def test_after_a_handoff_messages_are_for_the_person(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.send("Human Please")
    flow.assert_handoff("lawyers", "asked")
    result = await flow.send("меня зовут Анна, вопрос про аренду")
    assert flow.texts == ["Передано человеку"]
    assert [(event.name, dict(event.data)) for event in result.events] == [
        ("message_for_person", {"queue": "lawyers"})
    ]
    await flow.send_file("lease.pdf")
    assert flow.texts == ["Передано человеку"]
    await flow.send("menu")
    assert flow.texts == ["Привет, Анна!", "Что проверим?"]
    assert flow.session is not None
    assert flow.session.handed_off is None


async def test_goto_loops_are_stopped(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    result = await flow.send("loop")
    assert [event.name for event in result.events] == ["loop_detected"]
    assert result.session.stack == []


async def test_unsubscribe_clears_the_dialog(lab_bot: CompiledBot) -> None:
    from adapters.types import UnsubscribedBody

    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    result = await flow.send_body(UnsubscribedBody())
    assert result.replies == ()
    assert result.session.waiting is None


async def test_same_inputs_give_the_same_result(lab_bot: CompiledBot) -> None:
    """A replay after a crash (same event, same stored session) produces the same replies."""
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    stored = flow.session
    assert stored is not None
    assert stored.waiting is not None
    age_payload = list(stored.waiting.buttons)[1]
    event = Inbound(
        event_id="evt-2",
        conversation=ConversationRef(channel=Channel.TELEGRAM, bot="lab", chat_id="c", user_id="client-1"),
        sender=Sender(user_id="client-1"),
        body=ButtonPress(payload=age_payload),
    )
    first = await flow.engine.turn(event, stored, flow.client)
    second = await flow.engine.turn(event, stored, flow.client)
    assert first == second
    assert first.replies[0].text == "Сколько вам лет?"
    assert first.session.last_event_id == "evt-2"


async def test_the_turn_does_not_mutate_the_given_session(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.start()
    before = flow.session
    assert before is not None
    snapshot = before.model_copy(deep=True)
    await flow.press("Имя")
    assert before == snapshot
    assert SessionState.loads(flow.session.dumps()) == flow.session  # type: ignore[union-attr]
