"""Handoff wired to the running system: the bots' catalogs, their dialog sessions, the outbox, the pub/sub."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from prometheus_client import CollectorRegistry

from adapters.types import ConversationRef, SendsTemplates
from bots.app.backends import Backends
from bots.app.settings import Settings
from bots.pipeline.people_outlet import PeopleOutlet
from bots.pipeline.runtime import BotRuntime
from cabinet_api import CabinetServices
from dialogs.model import Ask
from dialogs.session import SessionStore
from handoff import (
    BusinessHours,
    DeskPolicy,
    DialogSnapshot,
    HandoffDesk,
    HandoffMetrics,
    Queues,
    Texts,
)
from handoff.cascade import RatingPolicy
from handoff.console import ConsoleContext


@dataclass(frozen=True, slots=True)
class BotCatalogs:
    """``handoff_notices.*`` texts from each bot's locale catalogs."""

    runtimes: Mapping[str, BotRuntime]

    def lookup(self, bot: str, locale: str, key: str) -> str | None:
        runtime = self.runtimes.get(bot)
        if runtime is None:
            return None
        compiled = runtime.compiled
        return compiled.catalog(compiled.resolve_locale(locale)).lookup(key)


@dataclass(frozen=True, slots=True)
class SessionDialogs:
    """Where the bot's dialog with a client stands, read from the session store."""

    sessions: SessionStore
    runtimes: Mapping[str, BotRuntime]

    async def snapshot(self, conversation: ConversationRef) -> DialogSnapshot | None:
        state = await self.sessions.load(f"{conversation.bot}:{conversation.key}")
        if state is None:
            return None
        frame = state.stack[-1] if state.stack else None
        waiting = state.waiting
        flow = waiting.flow if waiting is not None else (frame.flow if frame is not None else None)
        step = waiting.step if waiting is not None else (frame.step if frame is not None else None)
        runtime = self.runtimes.get(conversation.bot)
        compiled_flow = runtime.compiled.flows.get(flow) if runtime is not None and flow is not None else None
        steps = compiled_flow.steps if compiled_flow is not None else ()
        asking = step is not None and step < len(steps) and isinstance(steps[step], Ask)
        return DialogSnapshot(
            slots=dict(state.slots), flow=flow, step=step, waiting=waiting is not None and asking
        )


def desk_policy(settings: Settings) -> DeskPolicy:
    return DeskPolicy(
        queues=Queues.parse(settings.queues),
        hours=BusinessHours.parse(
            settings.business_hours,
            timezone=settings.business_timezone,
            holidays=settings.business_holidays,
        ),
        repeat_contact_hours=settings.repeat_contact_hours,
        presence_timeout_seconds=settings.presence_timeout,
        service_level_seconds=settings.service_level_seconds,
        ratings=RatingPolicy(
            remind_after=timedelta(minutes=settings.rating_remind_minutes),
            call_after=timedelta(hours=settings.rating_call_hours),
            nps_period=timedelta(days=settings.nps_period_days),
        ),
    )


def build_desk(
    settings: Settings,
    cabinet: CabinetServices,
    backends: Backends,
    runtimes: Mapping[str, BotRuntime],
    registry: CollectorRegistry,
) -> HandoffDesk:
    return HandoffDesk(
        cabinet,
        outlet=PeopleOutlet(cabinet.history, backends.outbox),
        prompts=backends.pubsub,
        texts=Texts(BotCatalogs(runtimes)),
        policy=desk_policy(settings),
        metrics=HandoffMetrics(registry, service_level_seconds=settings.service_level_seconds),
    )


def console_context(
    settings: Settings, desk: HandoffDesk, backends: Backends, runtimes: Mapping[str, BotRuntime]
) -> ConsoleContext:
    public = settings.public_url
    return ConsoleContext(
        desk=desk,
        cabinet=desk.cabinet,
        dialogs=SessionDialogs(backends.sessions, runtimes),
        secret=settings.secret_key.get_secret_value().encode(),
        session_lifetime=timedelta(hours=settings.console_session_hours),
        secure_cookie=bool(public and public.startswith("https://")),
        public_origin=public,
        service_level_seconds=settings.service_level_seconds,
        link_lifetime=timedelta(seconds=settings.link_lifetime_seconds),
        templates=declared_templates(runtimes),
    )


def declared_templates(runtimes: Mapping[str, BotRuntime]) -> dict[str, dict[str, int]]:
    """Per bot with a channel that sends templates, the templates it declares (key: parameters)."""
    declared: dict[str, dict[str, int]] = {}
    for name, runtime in runtimes.items():
        for adapter in runtime.adapters.values():
            if isinstance(adapter, SendsTemplates):
                declared.setdefault(name, {}).update(adapter.template_parameters())
    return declared
