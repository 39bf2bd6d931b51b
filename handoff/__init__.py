"""Who talks to the client when the bot does not: the owner of a conversation and requests for a person.

The inbox asks a :class:`HandoffDesk` before every turn; ``handoff`` reads and records through
``cabinet_api`` services (the cabinet owns the tables) and never imports ``bots``.
"""

from __future__ import annotations

from handoff.desk import HandoffDesk, HandoffRecords
from handoff.owner import BOT, BotOwner, Owner, PersonOwner
from handoff.request import HandoffRequest

__all__ = ["BOT", "BotOwner", "HandoffDesk", "HandoffRecords", "HandoffRequest", "Owner", "PersonOwner"]
