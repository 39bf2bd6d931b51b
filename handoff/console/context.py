"""What every console handler needs, resolved when a request comes (the wiring builds it at start-up)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from aiohttp import web

from cabinet_api.services import CabinetServices, PersonView
from handoff.console.broadcast_templates import BotTemplates
from handoff.desk import HandoffDesk
from handoff.ports import DialogStates

LINK_LIFETIME = timedelta(minutes=15)
COOKIE = "omnicab_console"


@dataclass(frozen=True, slots=True)
class ConsoleContext:
    desk: HandoffDesk
    cabinet: CabinetServices
    dialogs: DialogStates | None
    secret: bytes
    session_lifetime: timedelta = timedelta(hours=12)
    secure_cookie: bool = False
    public_origin: str | None = None
    service_level_seconds: float = 60.0
    link_lifetime: timedelta = LINK_LIFETIME
    templates: BotTemplates = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Caller:
    """The person behind a request, and the hash of their session token."""

    person: PersonView
    token_hash: str
    csrf: str


ContextSource = Callable[[], ConsoleContext]
SOURCE: web.AppKey[ContextSource] = web.AppKey("console_context_source")


def context(request: web.Request) -> ConsoleContext:
    source: ContextSource = request.config_dict[SOURCE]
    return source()
