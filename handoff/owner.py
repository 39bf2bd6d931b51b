"""Who answers the client in a conversation: the bot, or people."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BotOwner:
    """The dialog engine answers the client."""


@dataclass(frozen=True, slots=True)
class PersonOwner:
    """People answer: the conversation waits in ``queue`` until a person (``person``, a login) holds it."""

    queue: str
    person: str | None = None


Owner = BotOwner | PersonOwner

BOT = BotOwner()
