from __future__ import annotations

import random

import pytest

from adapters.render import ELLIPSIS, cut, fit_turn, render, split_text
from adapters.types import (
    Attachment,
    AttachmentKind,
    Button,
    Capabilities,
    Channel,
    ConversationRef,
    FileSource,
    Outbound,
    RenderedMessage,
    Reply,
)

TELEGRAM = Capabilities(
    max_text_length=4096,
    max_caption_length=1024,
    max_buttons=100,
    max_button_title=64,
    max_payload_bytes=64,
)
WHATSAPP = Capabilities(
    max_text_length=4096,
    max_caption_length=1024,
    max_buttons=3,
    max_button_title=20,
    max_payload_bytes=256,
    max_text_with_buttons=1024,
    supports_list=True,
    list_max_rows=10,
    list_row_title=24,
    list_row_description=72,
    list_label_length=20,
    max_quick_buttons=3,
    supports_contact_request=False,
    media=frozenset({AttachmentKind.AUDIO, AttachmentKind.DOCUMENT, AttachmentKind.IMAGE}),
)
VIBER = Capabilities(
    max_text_length=7000,
    max_caption_length=768,
    max_buttons=24,
    max_button_title=250,
    max_payload_bytes=4096,
    buttons_per_row=6,
    media=frozenset({AttachmentKind.DOCUMENT, AttachmentKind.IMAGE}),
    files_by_url_only=True,
    keyboard_per_conversation=True,
)
CONVERSATION = ConversationRef(channel=Channel.TELEGRAM, bot="legal", chat_id="42", user_id="42")


class TokenStore:
    """Stands in for the lead's token store: remembers what it shortened."""

    def __init__(self) -> None:
        self.shortened: list[str] = []

    async def __call__(self, payload: str) -> str:
        self.shortened.append(payload)
        return f"t:{len(self.shortened)}"


def outbound(reply: Reply, outbound_id: str = "out-1") -> Outbound:
    return Outbound(id=outbound_id, conversation=CONVERSATION, reply=reply)


async def rendered(
    reply: Reply, caps: Capabilities, store: TokenStore | None = None, outbound_id: str = "out-1"
) -> list[RenderedMessage]:
    return await render(outbound(reply, outbound_id), caps, store or TokenStore())


def assert_within(messages: list[RenderedMessage], caps: Capabilities) -> None:
    for message in messages:
        assert len(message.text) <= caps.max_text_length
        if message.attachment is not None:
            assert message.text == ""
            assert len(message.attachment.caption or "") <= caps.max_caption_length
            assert message.attachment.kind in caps.media
        if message.buttons and caps.max_text_with_buttons is not None:
            assert len(message.text) <= caps.max_text_with_buttons
        if message.list_title is not None and caps.list_label_length:
            assert len(message.list_title) <= caps.list_label_length
        if message.layout == "buttons":
            assert len(message.buttons) <= max(caps.max_buttons, caps.max_quick_buttons)
            assert all(len(button.title) <= caps.max_button_title for button in message.buttons)
        if message.layout == "list":
            assert caps.supports_list
            assert len(message.buttons) <= caps.list_max_rows
            assert all(len(button.title) <= caps.list_row_title for button in message.buttons)
            assert all(
                len(button.description or "") <= caps.list_row_description for button in message.buttons
            )
        if message.layout == "none":
            assert message.buttons == ()
        assert all(len(button.payload.encode()) <= caps.max_payload_bytes for button in message.buttons)
        if message.request_contact is not None:
            assert caps.supports_contact_request


def test_split_prefers_paragraphs_then_lines_then_words() -> None:
    paragraph = "a" * 30
    assert split_text(f"{paragraph}\n\n{paragraph}", 40) == [paragraph, paragraph]
    assert split_text(f"{'b' * 25}\n{'c' * 25}", 40) == ["b" * 25, "c" * 25]
    assert split_text("one two three four", 9) == ["one two", "three", "four"]


def test_split_cuts_only_a_single_overlong_word() -> None:
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert split_text("ok " + "y" * 12, 10) == ["ok", "y" * 10, "yy"]


def test_split_does_not_take_a_tiny_paragraph_when_a_fuller_line_fits() -> None:
    text = "short\n\n" + "word " * 30
    chunks = split_text(text, 60)
    assert chunks[0].startswith("short\n\nword")
    assert all(len(chunk) <= 60 for chunk in chunks)


def test_empty_reply_renders_nothing() -> None:
    assert split_text("  \n ", 10) == []


async def test_long_telegram_text_is_split_with_buttons_on_the_last_chunk() -> None:
    text = "\n\n".join(f"Параграф {n}. " + "слово " * 150 for n in range(8))
    buttons = (Button(title="Меню", payload="go:menu"), Button(title="Юрист", payload="handoff"))
    messages = await rendered(Reply(text=text, buttons=buttons), TELEGRAM)
    assert len(messages) > 1
    assert [m.idempotency_key for m in messages] == [f"out-1:{i}" for i in range(len(messages))]
    assert all(not m.buttons for m in messages[:-1])
    assert messages[-1].layout == "buttons"
    assert [b.title for b in messages[-1].buttons] == ["Меню", "Юрист"]
    assert " ".join(" ".join(m.text.split()) for m in messages) == " ".join(text.split())
    assert_within(messages, TELEGRAM)


async def test_long_payloads_are_shortened_through_the_token_store() -> None:
    store = TokenStore()
    long_payload = "flow:new_request:step:answer_format:value:" + "w" * 40
    buttons = (Button(title="Письменно", payload=long_payload), Button(title="Устно", payload="oral"))
    messages = await rendered(Reply(text="Формат?", buttons=buttons), TELEGRAM, store)
    assert store.shortened == [long_payload]
    assert [b.payload for b in messages[0].buttons] == ["t:1", "oral"]


async def test_multibyte_payload_is_measured_in_bytes() -> None:
    store = TokenStore()
    payload = "ответ:" + "я" * 30
    assert len(payload) < 64 < len(payload.encode())
    await rendered(Reply(text="?", buttons=(Button(title="Да", payload=payload),)), TELEGRAM, store)
    assert store.shortened == [payload]


def test_cut_shortens_at_a_word_and_marks_it() -> None:
    assert cut("Добавить комментарий к обращению", 20) == "Добавить…"
    assert cut("№4 · Новое · до 28.11 09:00", 24) == "№4 · Новое · до 28.11…"
    assert cut("№4 · Новое · до 28.11", 24) == "№4 · Новое · до 28.11"
    assert cut("Сверхдлинноеоднословноеназвание", 10) == "Сверхдлин…"


async def test_long_titles_are_shortened_at_a_word_with_an_ellipsis() -> None:
    title = "Очень длинное название кнопки " * 4
    messages = await rendered(Reply(text="?", buttons=(Button(title=title, payload="p"),)), TELEGRAM)
    short = messages[0].buttons[0].title
    assert len(short) <= 64
    assert short.endswith(ELLIPSIS)
    assert title.startswith(short.removesuffix(ELLIPSIS) + " ")


async def test_whatsapp_three_short_choices_are_reply_buttons() -> None:
    buttons = tuple(Button(title=f"Вариант {n}", payload=f"p{n}") for n in range(3))
    messages = await rendered(Reply(text="Выберите", buttons=buttons), WHATSAPP)
    assert messages[0].layout == "buttons"
    assert [b.title for b in messages[0].buttons] == [f"Вариант {n}" for n in range(3)]
    assert_within(messages, WHATSAPP)


async def test_whatsapp_choices_too_long_for_reply_buttons_become_rows_with_their_full_text() -> None:
    """Regression: «Добавить комментари…» — a reply button title cut in the middle of a word."""
    buttons = (
        Button(title="Добавить комментарий к обращению", payload="comment"),
        Button(title="Главное меню", payload="menu"),
    )
    reply = Reply(text="Обращение №4", buttons=buttons, choices_label="Выбрать")
    [message] = await rendered(reply, WHATSAPP)
    assert message.layout == "list"
    assert message.list_title == "Выбрать"
    comment, menu = message.buttons
    assert (comment.title, comment.description) == (
        "Добавить комментарий к…",
        "Добавить комментарий к обращению",
    )
    assert (menu.title, menu.description) == ("Главное меню", None)
    assert_within([message], WHATSAPP)


async def test_whatsapp_rows_shorten_titles_at_a_word_and_keep_the_full_text_in_the_description() -> None:
    """Regression: «№4 · Новое · до 28.11 0…» — a list row title cut in the middle of the time."""
    titles = [f"№{n} · Новое · до 28.11 09:00" for n in range(1, 6)]
    buttons = tuple(Button(title=title, payload=f"req:{n}") for n, title in enumerate(titles))
    reply = Reply(text="Ваши обращения", buttons=buttons, choices_label="Выбрать")
    [message] = await rendered(reply, WHATSAPP)
    assert message.layout == "list"
    assert [row.title for row in message.buttons] == [f"№{n} · Новое · до 28.11…" for n in range(1, 6)]
    assert [row.description for row in message.buttons] == titles
    assert_within([message], WHATSAPP)


async def test_whatsapp_rows_put_the_full_title_before_their_own_description() -> None:
    buttons = tuple(
        Button(title=f"Обращение №{n} о расторжении договора", payload=f"req:{n}", description="Д" * 100)
        for n in range(7)
    )
    reply = Reply(text="Ваши обращения", buttons=buttons, choices_label="Выбрать")
    [message] = await rendered(reply, WHATSAPP)
    assert message.layout == "list"
    row = message.buttons[0]
    assert row.title == "Обращение №0 о…"
    assert row.description is not None
    assert row.description.startswith("Обращение №0 о расторжении договора")
    assert len(row.description) <= 72
    assert_within([message], WHATSAPP)


async def test_whatsapp_choices_whose_text_no_row_can_hold_are_numbered_in_full() -> None:
    long_title = "Очень подробное название варианта, которое не помещается ни в одну строку списка"
    buttons = (Button(title=long_title, payload="a"), Button(title="Коротко", payload="b"))
    [message] = await rendered(Reply(text="Выберите", buttons=buttons), WHATSAPP)
    assert message.layout == "none"
    assert f"1. {long_title}" in message.text


async def test_the_list_label_is_the_replys_own_word_fitted_to_the_button() -> None:
    buttons = tuple(Button(title=f"Пункт {n}", payload=f"p{n}") for n in range(5))
    reply = Reply(text="Меню", buttons=buttons, choices_label="Выберите, пожалуйста, вариант")
    [message] = await rendered(reply, WHATSAPP)
    assert message.list_title == "Выберите…"


async def test_a_list_without_a_label_for_its_button_is_numbered_instead() -> None:
    buttons = tuple(Button(title=f"Пункт {n}", payload=f"p{n}") for n in range(5))
    [message] = await rendered(Reply(text="Меню", buttons=buttons), WHATSAPP)
    assert (message.layout, message.list_title) == ("none", None)
    assert message.text.splitlines()[2:] == [f"{n + 1}. Пункт {n}" for n in range(5)]


async def test_whatsapp_text_with_buttons_is_split_so_the_buttons_message_holds_its_part() -> None:
    text = ("Абзац текста. " * 100).strip()
    buttons = (Button(title="Да", payload="yes"), Button(title="Нет", payload="no"))
    messages = await rendered(Reply(text=text, buttons=buttons), WHATSAPP)
    assert [m.layout for m in messages] == ["none", "buttons"]
    assert len(messages[-1].text) <= 1024
    assert " ".join(m.text for m in messages) == text


async def test_too_many_choices_fall_back_to_a_numbered_list() -> None:
    buttons = tuple(Button(title=f"Запись {n}", payload=f"rec:{n}") for n in range(1, 13))
    messages = await rendered(Reply(text="Записи звонков:", buttons=buttons), WHATSAPP)
    assert len(messages) == 1
    assert messages[0].layout == "none"
    assert messages[0].buttons == ()
    lines = messages[0].text.splitlines()
    assert lines[0] == "Записи звонков:"
    assert lines[2:] == [f"{n}. Запись {n}" for n in range(1, 13)]


async def test_viber_keyboard_holds_many_buttons() -> None:
    buttons = tuple(Button(title=f"Тема {n}", payload=f"topic:{n}") for n in range(20))
    messages = await rendered(Reply(text="Тема?", buttons=buttons), VIBER)
    assert messages[0].layout == "buttons"
    assert len(messages[0].buttons) == 20


async def test_attachment_takes_short_text_as_caption() -> None:
    attachment = Attachment(kind=AttachmentKind.AUDIO, source=FileSource(url="https://example.org/call.mp3"))
    messages = await rendered(Reply(text="Запись звонка от 12.06", attachment=attachment), TELEGRAM)
    assert len(messages) == 1
    assert messages[0].text == ""
    assert messages[0].attachment is not None
    assert messages[0].attachment.caption == "Запись звонка от 12.06"


async def test_attachment_with_long_text_or_buttons_gets_the_text_before_it() -> None:
    attachment = Attachment(kind=AttachmentKind.DOCUMENT, source=FileSource(file_id="BQAC"))
    long_text = "Ответ юриста. " * 100
    messages = await rendered(Reply(text=long_text, attachment=attachment), TELEGRAM)
    assert [m.attachment is None for m in messages] == [True, False]
    assert messages[1].attachment is not None
    assert messages[1].attachment.caption is None

    rate = (Button(title="👍", payload="rate:5"), Button(title="👎", payload="rate:1"))
    messages = await rendered(Reply(text="Оцените ответ", buttons=rate, attachment=attachment), TELEGRAM)
    assert messages[0].text == "Оцените ответ"
    assert messages[0].layout == "buttons"
    assert messages[1].attachment is not None
    assert messages[1].buttons == ()
    assert_within(messages, TELEGRAM)


async def test_attachment_alone_carries_the_buttons() -> None:
    attachment = Attachment(kind=AttachmentKind.IMAGE, source=FileSource(data=b"\x89PNG"), caption="Схема")
    buttons = (Button(title="Дальше", payload="next"),)
    messages = await rendered(Reply(buttons=buttons, attachment=attachment), TELEGRAM)
    assert len(messages) == 1
    assert messages[0].layout == "buttons"
    assert messages[0].attachment is not None
    assert messages[0].attachment.caption == "Схема"


async def test_unsupported_media_falls_back_to_a_kind_the_channel_has() -> None:
    voice = Attachment(kind=AttachmentKind.VOICE, source=FileSource(url="https://example.org/v.ogg"))
    whatsapp = await rendered(Reply(attachment=voice), WHATSAPP)
    viber = await rendered(Reply(attachment=voice), VIBER)
    assert whatsapp[0].attachment is not None
    assert whatsapp[0].attachment.kind == AttachmentKind.AUDIO
    assert viber[0].attachment is not None
    assert viber[0].attachment.kind == AttachmentKind.DOCUMENT


async def test_contact_request_goes_on_the_last_message() -> None:
    messages = await rendered(
        Reply(text="Поделитесь номером", request_contact="📱 Отправить номер"), TELEGRAM
    )
    assert len(messages) == 1
    assert messages[0].request_contact == "📱 Отправить номер"


async def test_on_a_conversation_keyboard_the_contact_button_joins_the_choices() -> None:
    buttons = (Button(title="Главное меню", payload="menu"),)
    reply = Reply(text="Номер нужен для связи", buttons=buttons, request_contact="Поделиться номером")
    [message] = await rendered(reply, VIBER)
    assert (message.layout, message.request_contact) == ("buttons", "Поделиться номером")
    assert [b.title for b in message.buttons] == ["Главное меню"]


async def test_on_a_conversation_keyboard_the_choices_ride_on_the_last_message() -> None:
    attachment = Attachment(kind=AttachmentKind.DOCUMENT, source=FileSource(url="https://x/a.pdf"))
    buttons = (Button(title="Назад", payload="back"),)
    messages = await rendered(Reply(text="Ответ юриста", buttons=buttons, attachment=attachment), VIBER)
    assert [(m.text, m.attachment is not None, bool(m.buttons)) for m in messages] == [
        ("Ответ юриста", False, False),
        ("", True, True),
    ]


async def test_contact_request_with_buttons_is_a_message_of_its_own() -> None:
    buttons = (Button(title="Позже", payload="later"),)
    reply = Reply(text="Номер нужен для связи", buttons=buttons, request_contact="Отправить номер")
    messages = await rendered(reply, TELEGRAM)
    assert [(m.text, m.layout, m.request_contact) for m in messages] == [
        ("Номер нужен для связи", "buttons", None),
        ("Отправить номер", "none", "Отправить номер"),
    ]


async def test_the_contact_button_of_its_own_comes_with_the_hint_not_its_bare_title() -> None:
    buttons = (Button(title="Позже", payload="later"),)
    hint = "Кнопка «Отправить номер» — под полем ввода сообщения."
    reply = Reply(
        text="Номер нужен для связи", buttons=buttons, request_contact="Отправить номер", contact_hint=hint
    )
    messages = await rendered(reply, TELEGRAM)
    assert [(m.text, m.request_contact) for m in messages] == [
        ("Номер нужен для связи", None),
        (hint, "Отправить номер"),
    ]
    [alone] = await rendered(Reply(request_contact="Отправить номер", contact_hint=hint), TELEGRAM)
    assert (alone.text, alone.request_contact) == (hint, "Отправить номер")
    [viber] = await rendered(reply, VIBER)
    assert (viber.text, viber.request_contact) == ("Номер нужен для связи", "Отправить номер")


async def test_a_text_naming_the_contact_button_is_worded_for_typing_where_there_is_none() -> None:
    said = Reply(text="Нажмите кнопку «Поделиться номером»", typed_contact_text="Напишите номер телефона")
    [typed] = fit_turn([said], WHATSAPP)
    [pressed] = fit_turn([said], TELEGRAM)
    assert (typed.text, typed.typed_contact_text) == ("Напишите номер телефона", None)
    assert (pressed.text, pressed.typed_contact_text) == ("Нажмите кнопку «Поделиться номером»", None)


async def test_contact_request_is_dropped_where_the_channel_has_none() -> None:
    messages = await rendered(Reply(text="Напишите номер", request_contact="Отправить номер"), WHATSAPP)
    assert [(m.text, m.request_contact) for m in messages] == [("Напишите номер", None)]


async def test_remove_keyboard_goes_on_the_last_message() -> None:
    messages = await rendered(Reply(text="a " * 3000, remove_keyboard=True), TELEGRAM)
    assert [m.remove_keyboard for m in messages] == [False, True]


async def test_nothing_to_say_renders_no_message() -> None:
    assert await rendered(Reply(), TELEGRAM) == []


@pytest.mark.parametrize("caps", [TELEGRAM, WHATSAPP, VIBER], ids=["telegram", "whatsapp", "viber"])
async def test_random_replies_always_fit_the_channel(caps: Capabilities) -> None:
    generator = random.Random(20240611)
    words = ["а", "договор", "обращение", "юрист", "x" * 90, "😀", "срок\n", "\n\n", "возврат"]
    for _ in range(150):
        text = " ".join(generator.choice(words) for _ in range(generator.randint(0, 1800)))
        buttons = tuple(
            Button(
                title=" ".join(generator.choice(words) for _ in range(generator.randint(1, 12))).strip()
                or "ok",
                payload="p" * generator.randint(1, 300),
                description=generator.choice([None, "описание " * generator.randint(1, 20)]),
            )
            for _ in range(generator.randint(0, 30))
        )
        attachment = generator.choice(
            [None, Attachment(kind=generator.choice(list(AttachmentKind)), source=FileSource(file_id="f"))]
        )
        reply = Reply(
            text=text,
            buttons=buttons,
            attachment=attachment,
            request_contact=generator.choice([None, "Номер"]),
            remove_keyboard=generator.choice([False, True]),
            choices_label=generator.choice([None, "Выбрать", "Выберите один из вариантов ниже"]),
        )
        messages = await render(outbound(reply), caps, TokenStore())
        assert_within(messages, caps)
        assert len({m.idempotency_key for m in messages}) == len(messages)
        assert sum(bool(m.buttons) for m in messages) <= 1
        if text.strip() or buttons or attachment:
            assert messages


# ---- a turn as a whole ----------------------------------------------------------------------


def _turn() -> list[Reply]:
    records = tuple(Button(title=f"№{n} · В работе", payload=f"req:{n}") for n in range(1, 6))
    navigation = (
        Button(title="Новое обращение", payload="new"),
        Button(title="Главное меню", payload="menu"),
    )
    return [
        Reply(text="Ваши обращения (всего 5):", buttons=records),
        Reply(text="Выберите обращение, чтобы открыть его.", buttons=navigation, choices_label="Выбрать"),
    ]


def test_on_a_conversation_keyboard_a_turns_choices_gather_on_its_last_reply() -> None:
    """Regression: Viber showed only the navigation's keyboard, so the listed requests were unreachable."""
    listing, question = fit_turn(_turn(), VIBER)
    assert (listing.text, listing.buttons) == ("Ваши обращения (всего 5):", ())
    assert [b.payload for b in question.buttons] == [
        "req:1",
        "req:2",
        "req:3",
        "req:4",
        "req:5",
        "new",
        "menu",
    ]


async def test_on_a_conversation_keyboard_every_choice_of_a_turn_is_on_the_last_message() -> None:
    replies = fit_turn([*_turn(), Reply(text="Номер нужен", request_contact="Поделиться номером")], VIBER)
    messages = [
        m for index, reply in enumerate(replies) for m in await rendered(reply, VIBER, outbound_id=str(index))
    ]
    *earlier, last = messages
    assert all(not m.buttons and m.request_contact is None for m in earlier)
    assert len(last.buttons) == 7
    assert last.request_contact == "Поделиться номером"


def test_elsewhere_each_reply_keeps_its_choices_and_borrows_the_turns_label() -> None:
    """Regression: a list of records opened by the WhatsApp button «☰»; it now reads the ask's word."""
    listing, question = fit_turn(_turn(), WHATSAPP)
    assert len(listing.buttons) == 5
    assert listing.choices_label == "Выбрать"
    assert [b.payload for b in question.buttons] == ["new", "menu"]
    assert fit_turn(_turn(), TELEGRAM)[0].buttons == _turn()[0].buttons


# ---- a hint about how to choose -------------------------------------------------------------

BY_BUTTON = "Пожалуйста, выберите вариант кнопкой."
BY_NUMBER = "Пожалуйста, выберите вариант и отправьте его номер."


def _hinted(count: int) -> list[Reply]:
    """The engine's answer to words where only a choice is an answer: the hint, then the choices again."""
    choices = tuple(Button(title=f"Вариант {n}", payload=f"c{n}") for n in range(1, count + 1))
    return [
        Reply(text=BY_BUTTON, numbered_text=BY_NUMBER),
        Reply(text="Чем могу помочь?", buttons=choices, choices_label="Выбрать"),
    ]


@pytest.mark.parametrize(
    ("caps", "count"),
    [(TELEGRAM, 6), (WHATSAPP, 3), (WHATSAPP, 10), (VIBER, 24)],
    ids=["telegram-buttons", "whatsapp-buttons", "whatsapp-list", "viber-keyboard"],
)
def test_the_hint_names_no_number_where_the_choices_are_buttons_or_a_list(
    caps: Capabilities, count: int
) -> None:
    """Regression: «…или отправьте его номер» went to clients who saw buttons and no number."""
    hint, question = fit_turn(_hinted(count), caps)
    assert hint.text == BY_BUTTON
    assert hint.numbered_text is None
    assert len(question.buttons) == count


@pytest.mark.parametrize(("caps", "count"), [(WHATSAPP, 11), (VIBER, 25)], ids=["whatsapp", "viber"])
async def test_the_hint_asks_for_a_number_where_the_choices_come_numbered(
    caps: Capabilities, count: int
) -> None:
    hint, question = fit_turn(_hinted(count), caps)
    assert hint.text == BY_NUMBER
    assert hint.numbered_text is None
    [shown] = await rendered(question, caps)
    assert shown.layout == "none"
    assert f"{count}. Вариант {count}" in shown.text


def test_a_hint_with_no_choices_after_it_keeps_its_words() -> None:
    [hint] = fit_turn([Reply(text=BY_BUTTON, numbered_text=BY_NUMBER)], WHATSAPP)
    assert (hint.text, hint.numbered_text) == (BY_BUTTON, None)
