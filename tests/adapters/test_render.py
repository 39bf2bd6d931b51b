from __future__ import annotations

import random

import pytest

from adapters.render import ELLIPSIS, render, split_text
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
    supports_list=True,
    list_max_rows=10,
    list_row_title=24,
    list_row_description=72,
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
    reply: Reply, caps: Capabilities, store: TokenStore | None = None
) -> list[RenderedMessage]:
    return await render(outbound(reply), caps, store or TokenStore())


def assert_within(messages: list[RenderedMessage], caps: Capabilities) -> None:
    for message in messages:
        assert len(message.text) <= caps.max_text_length
        if message.attachment is not None:
            assert message.text == ""
            assert len(message.attachment.caption or "") <= caps.max_caption_length
            assert message.attachment.kind in caps.media
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


async def test_long_titles_are_cut_with_an_ellipsis() -> None:
    title = "Очень длинное название кнопки " * 4
    messages = await rendered(Reply(text="?", buttons=(Button(title=title, payload="p"),)), TELEGRAM)
    cut_title = messages[0].buttons[0].title
    assert len(cut_title) == 64
    assert cut_title.endswith(ELLIPSIS)


async def test_whatsapp_three_buttons_are_reply_buttons() -> None:
    buttons = tuple(Button(title=f"Вариант номер {n} длинный", payload=f"p{n}") for n in range(3))
    messages = await rendered(Reply(text="Выберите", buttons=buttons), WHATSAPP)
    assert messages[0].layout == "buttons"
    assert all(len(b.title) <= 20 for b in messages[0].buttons)
    assert_within(messages, WHATSAPP)


async def test_whatsapp_four_to_ten_choices_become_a_list_with_cut_rows() -> None:
    buttons = tuple(
        Button(title=f"Обращение №{n} о расторжении договора", payload=f"req:{n}", description="Д" * 100)
        for n in range(7)
    )
    messages = await rendered(Reply(text="Ваши обращения", buttons=buttons), WHATSAPP)
    assert len(messages) == 1
    assert messages[0].layout == "list"
    assert len(messages[0].buttons) == 7
    row = messages[0].buttons[0]
    assert len(row.title) == 24
    assert row.title.endswith(ELLIPSIS)
    assert row.description is not None
    assert len(row.description) == 72
    assert_within(messages, WHATSAPP)


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


async def test_contact_request_with_buttons_is_a_message_of_its_own() -> None:
    buttons = (Button(title="Позже", payload="later"),)
    reply = Reply(text="Номер нужен для связи", buttons=buttons, request_contact="Отправить номер")
    messages = await rendered(reply, TELEGRAM)
    assert [(m.text, m.layout, m.request_contact) for m in messages] == [
        ("Номер нужен для связи", "buttons", None),
        ("Отправить номер", "none", "Отправить номер"),
    ]


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
        )
        messages = await render(outbound(reply), caps, TokenStore())
        assert_within(messages, caps)
        assert len({m.idempotency_key for m in messages}) == len(messages)
        assert sum(bool(m.buttons) for m in messages) <= 1
        if text.strip() or buttons or attachment:
            assert messages
