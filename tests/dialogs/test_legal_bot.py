"""The demo bot, driven as a client would use it."""

from __future__ import annotations

import pytest

from adapters.types import Channel, MediaKind
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
    assert "Ответ: устная консультация в течение 24 часов" in summary.text
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


async def test_what_happened_in_an_emergency_is_taken_for_the_duty_lawyer(legal_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(legal_bot, channel=Channel.WHATSAPP)
    await flow.send("Здравствуйте")
    await flow.press("Новое обращение")
    await flow.press("ДТП и автомобили")
    await flow.press("Срочно")
    flow.assert_reply("коротко напишите, что случилось")

    result = await flow.send("Попал в ДТП на Ленинском проспекте, вторая машина уехала")

    assert not any("не понял" in text for text in flow.texts), flow.texts
    flow.assert_reply("Передал ваше сообщение юристу")
    assert [event.name for event in result.events] == ["message_for_person"]
    await flow.send_file("photo.jpg", mime_type="image/jpeg", media=MediaKind.IMAGE)
    flow.assert_reply("Передал ваше сообщение юристу")


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
        ("Когда ответит юрист?", "в течение 24 часов, письменную — в течение 48 часов"),
        ("Если ситуация срочная", "Дежурный юрист"),
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
async def test_asking_for_a_person_hands_off_and_promises_no_wait_of_its_own(
    legal_bot: CompiledBot, phrase: str
) -> None:
    """The handoff desk tells the client their real place and wait (or when people answer): the bot
    must not guess one."""
    flow = DialogHarness.for_bot(legal_bot)
    await flow.start()
    await flow.press("Новое обращение")
    await flow.send(phrase)
    flow.assert_handoff("lawyers", "asked")
    assert flow.texts == []


GREETINGS = [
    "Здравствуйте",
    "Здравствуйте!",
    "Добрый день",
    "добрый вечер.",
    "привет",
    "Привет 👋",
    "hello",
    "Hi!",
]


@pytest.mark.parametrize("channel", list(Channel))
@pytest.mark.parametrize("greeting", GREETINGS)
async def test_a_greeting_starts_the_bot_on_every_channel(
    legal_bot: CompiledBot, channel: Channel, greeting: str
) -> None:
    flow = DialogHarness.for_bot(legal_bot, channel=channel)
    await flow.send(greeting)
    assert flow.texts[0] == "Здравствуйте, Анна!"
    flow.assert_buttons(*MENU)


@pytest.mark.parametrize("greeting", GREETINGS)
async def test_a_greeting_in_a_conversation_under_way_greets_again(
    legal_bot: CompiledBot, greeting: str
) -> None:
    flow = DialogHarness.for_bot(legal_bot, channel=Channel.WHATSAPP)
    await flow.send("помощь")
    await flow.send(greeting)
    assert flow.texts[0] == "Здравствуйте, Анна!"
    assert not any("не понял" in text for text in flow.texts)
    flow.assert_buttons(*MENU)


async def test_a_first_message_that_is_no_greeting_starts_the_bot_too(legal_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(legal_bot, channel=Channel.WHATSAPP)
    await flow.send("Добрый день, у меня вопрос по разводу")
    assert flow.texts[0] == "Здравствуйте, Анна!"
    flow.assert_buttons(*MENU)


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
    result = await flow.send("у меня вопрос по наследству")
    assert flow.texts == ["Пожалуйста, выберите вариант кнопкой.", "Чем могу помочь?"]
    flow.assert_buttons(*MENU)
    assert result.replies[0].numbered_text == "Пожалуйста, выберите вариант и отправьте его номер."


async def test_after_the_lawyer_is_called_the_clients_words_are_for_the_lawyer(
    legal_bot: CompiledBot,
) -> None:
    flow = DialogHarness.for_bot(legal_bot)
    await flow.send("юрист")
    flow.assert_handoff("lawyers", "asked")
    await flow.send("У меня вопрос по наследству")
    assert flow.texts == [
        "Передал ваше сообщение юристу: он видит всю переписку и ответит здесь, в этом чате. "
        "Чтобы вернуться к боту, напишите «меню»."
    ]
    await flow.send("меню")
    assert flow.texts[-1] == "Чем могу помочь?"
    flow.assert_buttons(*MENU)
