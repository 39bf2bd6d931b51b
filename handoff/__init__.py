"""Who talks to the client when the bot does not: conversations with people, routing and queues, SLA
figures, and the operator console (pages and JSON API under ``/console/``).

The inbox asks the :class:`HandoffDesk` before every turn; ``handoff`` reads and records through
``cabinet_api`` services (the cabinet owns the tables) and never imports ``bots``: what it needs of the
running system (the outbox, the pub/sub, the bot's dialog state) comes through ``handoff.ports``.
"""

from __future__ import annotations

from handoff.desk import RATE_PAYLOAD, DeskPolicy, HandoffDesk
from handoff.hours import BusinessHours
from handoff.metrics import HandoffMetrics
from handoff.owner import BOT, BotOwner, Owner, PersonOwner
from handoff.ports import DialogSnapshot, DialogStates, Outlet, Prompts
from handoff.queues import Queues
from handoff.request import HandoffRequest
from handoff.texts import Catalogs, Texts

__all__ = [
    "BOT",
    "RATE_PAYLOAD",
    "BotOwner",
    "BusinessHours",
    "Catalogs",
    "DeskPolicy",
    "DialogSnapshot",
    "DialogStates",
    "HandoffDesk",
    "HandoffMetrics",
    "HandoffRequest",
    "Outlet",
    "Owner",
    "PersonOwner",
    "Prompts",
    "Queues",
    "Texts",
]
