"""What a client pressed, in words: the title of the button whose payload their press carried.

A press reaches the history as its payload only (Telegram's callback data, a WhatsApp reply id, a
Viber action body), never as the words on the button; the bot's own messages before it keep the
buttons they offered, title and payload, so the console reads the title from the latest of them on
the same channel and bot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cabinet_api.services import ConsoleMessage

Offers = dict[tuple[str, str], dict[str, str]]


def unnamed_presses(messages: Iterable[ConsoleMessage]) -> list[ConsoleMessage]:
    return [
        message for message in messages if message.kind == "button" and not message.text and _payload(message)
    ]


def pressed_titles(
    messages: Sequence[ConsoleMessage], earlier: Sequence[ConsoleMessage] = ()
) -> dict[int, str]:
    """The title of each press among ``messages`` (by message id) that a button offered before it.

    ``earlier`` are messages before ``messages`` (oldest first) that may hold the offers of their
    first presses; a press no offer explains is left out.
    """
    offers: Offers = {}
    for message in earlier:
        _remember(offers, message)
    titles: dict[int, str] = {}
    for message in messages:
        _remember(offers, message)
        if message.kind == "button" and not message.text:
            title = offers.get((message.channel, message.bot), {}).get(_payload(message) or "")
            if title:
                titles[message.id] = title
    return titles


def _remember(offers: Offers, message: ConsoleMessage) -> None:
    if message.direction == "out":
        offers.setdefault((message.channel, message.bot), {}).update(_offered(message.payload))


def _payload(message: ConsoleMessage) -> str | None:
    value = (message.payload or {}).get("payload")
    return value if isinstance(value, str) and value else None


def _offered(payload: Mapping[str, Any] | None) -> dict[str, str]:
    buttons = (payload or {}).get("buttons")
    if not isinstance(buttons, list):
        return {}
    return {
        button["payload"]: button["title"]
        for button in buttons
        if isinstance(button, Mapping)
        and isinstance(button.get("payload"), str)
        and isinstance(button.get("title"), str)
    }
