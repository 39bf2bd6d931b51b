"""An ask for the client's phone in the words of the channel: the share-phone button where the channel has
one, the number typed where it has none (WhatsApp). Driven as a turn, fitted and rendered for each channel
as the pipeline does."""

from __future__ import annotations

import shutil
from pathlib import Path

from adapters import telegram, viber, whatsapp
from adapters.render import fit_turn, render
from adapters.types import Capabilities, Channel, ConversationRef, Outbound
from dialogs.loader import load_bot
from dialogs.model import CompiledBot
from dialogs.turn import TurnResult
from tests.dialogs.harness import LAB_DIR, SAMPLE_ACTION_NAMES, DialogHarness

TYPED = "Напишите, пожалуйста, номер телефона — например, +7 999 123-45-67."
HINT = "Кнопка «Поделиться номером» — под полем ввода сообщения."


async def _keep(payload: str) -> str:
    return payload


async def _shown(result: TurnResult, caps: Capabilities, channel: Channel) -> list[tuple[str, str | None]]:
    """What the client reads, message by message, with the share-phone button each message carries."""
    conversation = ConversationRef(channel=channel, bot="lab", chat_id="42", user_id="42")
    shown: list[tuple[str, str | None]] = []
    for index, reply in enumerate(fit_turn(result.replies, caps)):
        outbound = Outbound(id=f"out-{index}", conversation=conversation, reply=reply)
        shown += [(message.text, message.request_contact) for message in await render(outbound, caps, _keep)]
    return shown


async def _refused_contact(bot: CompiledBot, channel: Channel) -> TurnResult:
    flow = DialogHarness.for_bot(bot, channel=channel)
    await flow.start()
    await flow.press("Контакты")
    return await flow.send_sticker()


async def test_whatsapp_asks_to_type_the_number_it_has_no_button_for(lab_bot: CompiledBot) -> None:
    """Regression: WhatsApp has no share-phone button, yet a refused answer told the client to press it."""
    refused = await _refused_contact(lab_bot, Channel.WHATSAPP)
    assert await _shown(refused, whatsapp.CAPABILITIES, Channel.WHATSAPP) == [
        (TYPED, None),
        ("Поделитесь номером", None),
    ]


async def test_channels_with_the_button_still_point_at_it(lab_bot: CompiledBot) -> None:
    for module, channel in ((telegram, Channel.TELEGRAM), (viber, Channel.VIBER)):
        refused = await _refused_contact(lab_bot, channel)
        shown = await _shown(refused, module.CAPABILITIES, channel)
        assert shown[0] == ("Нужен контакт", None)
        assert shown[-1][1] == "Поделиться номером"


async def test_a_bot_words_the_typed_number_its_own_way(tmp_path: Path) -> None:
    bot_dir = tmp_path / "lab"
    shutil.copytree(LAB_DIR, bot_dir)
    catalog = bot_dir / "locales" / "ru.yaml"
    own = 'system:\n  expected_contact_typed: "Пришлите номер цифрами, пожалуйста."\n'
    catalog.write_text(catalog.read_text(encoding="utf-8").replace("system:\n", own, 1), encoding="utf-8")
    bot = load_bot(bot_dir, known_actions=SAMPLE_ACTION_NAMES)

    refused = await _refused_contact(bot, Channel.WHATSAPP)

    shown = await _shown(refused, whatsapp.CAPABILITIES, Channel.WHATSAPP)
    assert shown[0] == ("Пришлите номер цифрами, пожалуйста.", None)


async def test_the_telegram_button_next_to_inline_buttons_comes_with_a_sentence(
    legal_bot: CompiledBot,
) -> None:
    """Regression: Telegram cannot carry inline buttons and a reply keyboard on one message, so the
    share-phone button went on a message of its own whose whole text was its title, a stray
    «Поделиться номером» in the chat."""
    flow = DialogHarness.for_bot(legal_bot)
    await flow.start()
    asked = await flow.press("Мои обращения")

    *question, carrier = await _shown(asked, telegram.CAPABILITIES, Channel.TELEGRAM)

    assert carrier == (HINT, "Поделиться номером")
    assert "подтверждения номера телефона" in question[-1][0]


async def test_the_hint_names_the_button_the_bot_titled(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot, locale="en")
    await flow.start()
    asked = await flow.press("Контакты")
    reply = next(reply for reply in asked.replies if reply.request_contact)
    title = reply.request_contact
    assert reply.contact_hint == f"The «{title}» button is below the message box."
