"""The demo bot, driven as a client would use it."""

from __future__ import annotations

import pytest

from dialogs.model import CompiledBot
from tests.dialogs.harness import DialogHarness

MENU = (
    "Новое обращение",
    "Частые вопросы",
    "Мои обращения",
    "Записи разговоров",
    "Возврат средств",
    "Связаться с юристом",
)


async def test_start_greets_and_shows_the_menu(legal_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(legal_bot)
    await flow.start()
    assert flow.texts[0] == "Здравствуйте, Анна!"
    flow.assert_reply("круглосуточно")
    assert flow.texts[-1] == "Чем могу помочь?"
    flow.assert_buttons(*MENU)


async def test_english_menu(legal_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(legal_bot, locale="en", first_name=None)
    await flow.send("/start")
    assert flow.texts[0] == "Hello, guest!"
    flow.assert_buttons(
        "New request", "Frequent questions", "My requests", "Call recordings", "Refunds", "Talk to a lawyer"
    )


async def test_new_request_happy_path(legal_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(legal_bot)
    await flow.start()
    await flow.press("Новое обращение")
    flow.assert_reply("К какой области относится ваш вопрос?")
    assert len(flow.buttons) == 8
    await flow.press("Семейное право")
    flow.assert_buttons("Обычный вопрос", "Срочно")
    await flow.press("Обычный вопрос")
    await flow.send("коротко")
    flow.assert_reply("хотя бы 10 символов")
    await flow.send("Бывший супруг не платит алименты полгода")
    flow.assert_buttons("Пропустить")
    await flow.send_file("решение_суда.pdf")
    await flow.press("Устно")
    summary = flow.reply_containing("Проверьте обращение")
    assert "Тема: Семейное право" in summary.text
    assert "Документ: решение_суда.pdf" in summary.text
    assert "Формат ответа: Устно" in summary.text
    flow.assert_buttons("Отправить", "Изменить", "Отмена")
    result = await flow.press("Отправить")
    flow.assert_reply("Обращение №A-1001 принято, ответим до через 24 ч")
    flow.assert_buttons(*MENU)
    assert flow.slots["topic"] == "family"
    assert flow.slots["answer_format"] == "oral"
    assert result.slot_changes["request_number"] == "A-1001"


async def test_emergency_goes_to_the_duty_lawyer_at_once(legal_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(legal_bot)
    await flow.start()
    await flow.press("Новое обращение")
    await flow.press("Уголовное право")
    result = await flow.press("Срочно")
    flow.assert_reply("Подключаю дежурного юриста прямо сейчас")
    flow.assert_handoff("duty_lawyer", "emergency")
    assert result.handoff is not None
    assert result.handoff.note == "Уголовное право"


async def test_edit_and_cancel_at_the_confirmation(legal_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(legal_bot)
    await flow.start()
    await flow.press("Новое обращение")
    for answer in ("Другое", "Обычный вопрос"):
        await flow.press(answer)
    await flow.send("Соседи сверху затопили квартиру")
    await flow.press("Пропустить")
    await flow.press("Письменно")
    flow.assert_reply("Документ: нет")
    await flow.press("Изменить")
    flow.assert_reply("К какой области относится ваш вопрос?")
    await flow.press("Жильё и недвижимость")
    await flow.press("Обычный вопрос")
    await flow.send("Соседи сверху затопили квартиру")
    await flow.press("Пропустить")
    await flow.send("2")
    await flow.press("Отмена")
    assert flow.texts[0] == "Хорошо, обращение не отправлено."
    flow.assert_buttons(*MENU)


async def test_a_description_that_never_comes_reaches_a_lawyer(legal_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(legal_bot)
    await flow.start()
    await flow.press("Новое обращение")
    await flow.press("Другое")
    await flow.press("Обычный вопрос")
    for _ in range(4):
        await flow.send("помогите")
    flow.assert_handoff("lawyers", "bot_failed")
    flow.assert_reply("Передаю ему наш разговор")


@pytest.mark.parametrize(
    ("question", "fragment"),
    [
        ("Когда вы работаете?", "Круглосуточно, 24/7"),
        ("Как быстро ответит юрист?", "в течение 24 часов, письменную — в течение 48 часов"),
        ("Что делать в экстренной ситуации?", "Дежурный юрист"),
        ("Что такое обращение?", "номер и срок ответа"),
        ("Как добавить документы?", "договор, фото или скан"),
        ("Это конфиденциально?", "Третьим лицам"),
    ],
)
async def test_faq_answers_then_offers_more(legal_bot: CompiledBot, question: str, fragment: str) -> None:
    flow = DialogHarness.for_bot(legal_bot)
    await flow.start()
    await flow.press("Частые вопросы")
    await flow.press(question)
    flow.assert_reply(fragment)
    flow.assert_buttons("Другие вопросы", "Главное меню", "Связаться с юристом")
    await flow.press("Другие вопросы")
    flow.assert_reply("Выберите вопрос")


@pytest.mark.parametrize("phrase", ["оператор", "Юрист", "человек", "operator", "HUMAN", "lawyer"])
async def test_asking_for_a_person_hands_off_with_an_honest_message(
    legal_bot: CompiledBot, phrase: str
) -> None:
    flow = DialogHarness.for_bot(legal_bot)
    await flow.start()
    await flow.press("Новое обращение")
    await flow.send(phrase)
    flow.assert_reply("Он ответит здесь же, в этом чате")
    flow.assert_handoff("lawyers", "asked")


@pytest.mark.parametrize("phrase", ["меню", "Menu", "начать", "/start"])
async def test_menu_triggers(legal_bot: CompiledBot, phrase: str) -> None:
    flow = DialogHarness.for_bot(legal_bot)
    await flow.send(phrase)
    flow.assert_buttons(*MENU)


@pytest.mark.parametrize("phrase", ["/help", "помощь"])
async def test_help_triggers_open_the_faq(legal_bot: CompiledBot, phrase: str) -> None:
    flow = DialogHarness.for_bot(legal_bot)
    await flow.send(phrase)
    flow.assert_reply("Выберите вопрос")


async def test_free_text_at_the_menu_asks_to_choose(legal_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(legal_bot)
    await flow.start()
    await flow.send("у меня вопрос по наследству")
    assert flow.texts == ["Пожалуйста, выберите вариант кнопкой или отправьте его номер.", "Чем могу помочь?"]
    flow.assert_buttons(*MENU)


async def test_free_text_outside_any_question_falls_back_to_the_menu(legal_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(legal_bot)
    await flow.send("юрист")
    flow.assert_handoff("lawyers", "asked")
    await flow.send("абракадабра")
    assert (
        flow.texts[0] == "Извините, я не понял. Выберите, пожалуйста, вариант из меню или напишите «юрист»."
    )
    assert flow.texts[-1] == "Чем могу помочь?"
    flow.assert_buttons(*MENU)
