"""The app factory: wires settings, storage, bots, workers and routes into one aiohttp app.

Routes are fixed when the app is created; what they use (database, queues, bots) is built
in the start-up context, once, and found through ``app[SERVICES]``. The process role decides
what runs: ``web`` serves webhooks, the REST API and the console and registers the webhooks;
``worker`` consumes the inbox and the outbox and ticks the handoff timers, and serves only
``/healthz`` and ``/metrics``; ``run`` does both.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Protocol

from aiohttp import web

from adapters.types import ChannelAdapter, LongPolls
from bots.app.backends import Backends, open_backends
from bots.app.channels import ChannelSource, LiveChannels
from bots.app.data_key import data_cipher
from bots.app.handoff_wiring import build_desk, console_context
from bots.app.idle import idle_response
from bots.app.key_throttle import ApiKeyThrottle
from bots.app.live_checks import refuse_unsafe_settings
from bots.app.loading import live_reloader, load_runtimes
from bots.app.metrics_access import metrics_route
from bots.app.outages import is_outage
from bots.app.reload import BotReloader
from bots.app.roles import Role
from bots.app.settings import Settings
from bots.app.start_wait import needed_backends, wait_for_backends
from bots.pipeline.broadcasts import BroadcastSender
from bots.pipeline.dead_letters import Bounded, conversation_key, run_replays
from bots.pipeline.inbox import InboxWorker
from bots.pipeline.metrics import Metrics
from bots.pipeline.notifications import Notifier
from bots.pipeline.outbox import OutboxWorker
from bots.pipeline.outbox_recovery import requeue_all_unfinished
from bots.pipeline.recovery import run_recovery
from bots.pipeline.runtime import BotRuntime
from bots.pipeline.subscriptions import Subscriptions
from bots.pipeline.webhooks import Ingest, WebhookRoutes
from bots.state import WorkQueue
from cabinet_api import CabinetServices, Database, Notification, cabinet_services
from cabinet_api.demo import seed_demo
from cabinet_api.rest import create_api
from cabinet_api.rest.keys import ApiKeyStore
from cabinet_api.storage import DatabaseFileStorage, FileStorage, LocalFileStorage
from handoff import HandoffDesk
from handoff.console import ConsoleContext, create_console_api, create_console_site
from handoff.people import seed_demo_people

log = logging.getLogger(__name__)

WORKER_GRACE_SECONDS = 10.0
_DRAINED_ON_STOP = frozenset({"inbox", "outbox", "handoff"})


@dataclass
class Services:
    settings: Settings
    database: Database
    cabinet: CabinetServices
    handoff: HandoffDesk
    backends: Backends
    runtimes: dict[str, BotRuntime]
    metrics: Metrics
    ingest: Ingest
    webhooks: WebhookRoutes
    notifier: Notifier
    console: ConsoleContext
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    reloader: BotReloader | None = None
    """Demo mode only: reloads a bot whose YAML changed."""


SERVICES = web.AppKey("omnicab.services", Services)


class Extension(Protocol):
    """What demo mode adds: routes (the fake platforms, the simulator) and the channels pointed at them."""

    @property
    def channels(self) -> ChannelSource: ...

    def mount(self, app: web.Application) -> None: ...


def create_app(
    settings: Settings, *, demo: Extension | None = None, role: Role = Role.RUN
) -> web.Application:
    """The app; ``demo`` (``bots.demo.DemoMode``) is required exactly when ``settings.demo`` is set."""
    if settings.demo != (demo is not None):
        raise ValueError("demo mode needs the demo extension (bots.demo.DemoMode), and only demo mode")
    refuse_unsafe_settings(settings)
    app = web.Application(client_max_size=settings.max_body_bytes)
    metrics = Metrics()
    database = Database(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )
    cabinet = cabinet_services(
        database, storage=file_storage(settings, database), cipher=data_cipher(settings)
    )
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", metrics_route(settings, metrics.handle))
    channels = demo.channels if demo is not None else LiveChannels()
    app.cleanup_ctx.append(_lifecycle(settings, metrics, database, cabinet, channels, role))
    app.on_shutdown.append(_stop_workers)
    if not role.serves_clients:
        return app
    app.router.add_post("/webhooks/{bot}/{channel}", _webhook)
    app.router.add_get("/webhooks/{bot}/{channel}", _webhook_subscription)
    if demo is not None:
        demo.mount(app)
        app.router.add_get("/fake/_idle", _idle)
    api_keys = ApiKeyStore.parse(
        settings.api_keys.get_secret_value() if settings.api_keys else None, demo=settings.demo
    )
    secret = settings.secret_key.get_secret_value().encode()
    api = create_api(
        cabinet,
        secret=secret,
        api_keys=api_keys,
        notify=_notifier(app),
        link_lifetime=timedelta(seconds=settings.link_lifetime_seconds),
        throttle=ApiKeyThrottle(lambda: app[SERVICES].backends.failed_attempts, settings),
    )
    app.add_subapp("/api/v1", api)
    app.router.add_get("/console", _to_console)
    app.add_subapp("/console", create_console_site(create_console_api(lambda: app[SERVICES].console)))
    return app


def file_storage(settings: Settings, database: Database) -> FileStorage:
    """In the database when several processes share it (the default on PostgreSQL), else on the disk."""
    if settings.file_storage_kind(database.is_sqlite) == "database":
        return DatabaseFileStorage(database)
    return LocalFileStorage(settings.data_dir / "files")


async def _stop_workers(app: web.Application) -> None:
    """Stop taking work before the server drains, so no worker retries against a closing server."""
    services = app.get(SERVICES)
    if services is not None:
        await stop_workers(services)


async def _webhook(request: web.Request) -> web.Response:
    return await request.app[SERVICES].webhooks.handle(request)


async def _webhook_subscription(request: web.Request) -> web.Response:
    return await request.app[SERVICES].webhooks.verify_subscription(request)


async def _idle(request: web.Request) -> web.Response:
    backends = request.app[SERVICES].backends
    return await idle_response({"inbox": backends.inbox, "outbox": backends.outbox}, request)


async def _to_console(request: web.Request) -> web.StreamResponse:
    raise web.HTTPPermanentRedirect("/console/")


async def _healthz(request: web.Request) -> web.Response:
    services = request.app.get(SERVICES)
    if services is None:
        return web.json_response({"status": "starting"}, status=503)
    checks = {"database": await services.database.ping(), "state": await services.backends.ping()}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "degraded", "checks": checks, "bots": sorted(services.runtimes)}
    return web.json_response(body, status=200 if healthy else 503)


def _notifier(app: web.Application) -> Callable[[Notification], Awaitable[None]]:
    async def notify(notification: Notification) -> None:
        await app[SERVICES].notifier(notification)

    return notify


def _lifecycle(
    settings: Settings,
    metrics: Metrics,
    database: Database,
    cabinet: CabinetServices,
    channels: ChannelSource,
    role: Role,
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        services = await start_services(settings, metrics, database, cabinet, channels, role)
        app[SERVICES] = services
        try:
            yield
        finally:
            await stop_services(services)

    return lifecycle


async def start_services(
    settings: Settings,
    metrics: Metrics,
    database: Database,
    cabinet: CabinetServices,
    channels: ChannelSource,
    role: Role = Role.RUN,
) -> Services:
    await wait_for_backends(needed_backends(settings, database), give_up_after=settings.start_timeout or None)
    await database.migrate()
    if sealed := await cabinet.payments.seal_plaintext_payouts():
        log.info("encrypted the payout numbers of %d refunds stored before encryption", sealed)
    if settings.demo and role.serves_clients:
        await seed_demo(cabinet)
        await seed_demo_people(cabinet)
    backends = await open_backends(settings)
    runtimes = load_runtimes(settings, cabinet, channels)
    _check_dedupe_horizon(settings, runtimes)
    # Redis may come back empty: the database keeps the record of what was accepted.
    ledger = cabinet.accepted if backends.redis is not None else None
    ingest = Ingest(backends.inbox, ledger)
    handoff = build_desk(settings, cabinet, backends, runtimes, metrics.registry)
    services = Services(
        settings=settings,
        database=database,
        cabinet=cabinet,
        handoff=handoff,
        backends=backends,
        runtimes=runtimes,
        metrics=metrics,
        ingest=ingest,
        webhooks=WebhookRoutes(runtimes, ingest, backends.tokens, metrics),
        notifier=Notifier(cabinet.identity, cabinet.history, runtimes, backends.outbox),
        console=console_context(settings, handoff, backends, runtimes),
    )
    inbox = InboxWorker(
        runtimes,
        clients=cabinet.identity,
        history=cabinet.history,
        receipts=cabinet.delivery,
        handoff=handoff,
        sessions=backends.sessions,
        tokens=backends.tokens,
        outbox=backends.outbox,
        metrics=metrics,
        ledger=ledger,
        subscriptions=Subscriptions(cabinet.broadcasts, runtimes, cabinet.history, backends.outbox),
        transient=is_outage,
    )
    broadcasts = BroadcastSender(
        cabinet.broadcasts,
        runtimes,
        outbox=backends.outbox,
        limiter=backends.limiter,
        stop=backends.stop,
        share=settings.broadcast_share,
        poll_seconds=settings.broadcast_poll_seconds,
        transient=is_outage,
    )
    outbox = OutboxWorker(
        runtimes,
        clients=cabinet.identity,
        history=cabinet.history,
        files=cabinet.files,
        tokens=backends.tokens,
        limiter=backends.limiter,
        metrics=metrics,
        journal=cabinet.sends,
        dead_letters=cabinet.dead_letters,
        max_attempts=settings.outbox_max_attempts,
        stop=backends.stop,
        transient=is_outage,
        public_base_url=settings.public_url or settings.base_url,
        link_secret=settings.secret_key.get_secret_value().encode(),
        link_ttl_seconds=settings.link_lifetime_seconds,
        on_finish=handoff.delivery_finished,
    )
    stop = backends.stop
    queues: dict[str, WorkQueue] = {"inbox": backends.inbox, "outbox": backends.outbox}

    def bounded(kind: str, handler: Callable[[bytes], Awaitable[None]], attempts: int) -> Bounded:
        return Bounded(
            kind,
            handler,
            key_of=conversation_key,
            letters=cabinet.dead_letters,
            metrics=metrics,
            stop=stop,
            max_attempts=attempts,
            transient=is_outage,
        )

    if role.works:
        services.tasks += [
            asyncio.create_task(
                backends.inbox.run(bounded("inbox", inbox.handle, settings.inbox_max_attempts), stop=stop),
                name="inbox",
            ),
            asyncio.create_task(
                backends.outbox.run(bounded("outbox", outbox.handle, settings.inbox_max_attempts), stop=stop),
                name="outbox",
            ),
            asyncio.create_task(run_replays(cabinet.dead_letters, queues, stop=stop), name="replays"),
            asyncio.create_task(handoff.run(stop), name="handoff"),
            asyncio.create_task(broadcasts.run(), name="broadcasts"),
        ]
        if ledger is not None:
            replies = (cabinet.unfinished, backends.outbox)
            backends.recover_with(partial(requeue_all_unfinished, cabinet.unfinished))
            services.tasks.append(
                asyncio.create_task(
                    run_recovery(ledger, backends.inbox, replies=replies, stop=stop), name="recovery"
                )
            )
    if role.serves_clients:
        services.tasks.append(asyncio.create_task(_connect_channels(services), name="connect-channels"))
    if settings.demo:
        services.reloader = live_reloader(settings, cabinet, runtimes)
        services.tasks.append(asyncio.create_task(services.reloader.run(), name="reload"))
    return services


async def stop_workers(services: Services, grace: float = WORKER_GRACE_SECONDS) -> None:
    """Let the queues finish the items in hand and hand back their shard leases, then cancel.

    A worker stopped this way leaves nothing leased: another process takes its shards over at its
    next heartbeat instead of after the lease time-out.
    """
    services.backends.stop.set()
    draining = [task for task in services.tasks if task.get_name() in _DRAINED_ON_STOP]
    for task in services.tasks:
        if task not in draining:
            task.cancel()
    if draining:
        _, late = await asyncio.wait(draining, timeout=grace)
        for task in late:
            task.cancel()
    await asyncio.gather(*services.tasks, return_exceptions=True)
    services.tasks.clear()


async def stop_services(services: Services) -> None:
    await stop_workers(services)
    for runtime in services.runtimes.values():
        for adapter in runtime.adapters.values():
            await adapter.close()
    await services.backends.close()
    await services.database.dispose()


async def _connect_channels(services: Services) -> None:
    """Register webhooks (or start long polling) once the server is listening.

    Runs as a task because in demo mode the platform is this very server, which only
    accepts connections after start-up has finished.
    """
    settings = services.settings
    public_url = settings.public_url or (settings.base_url if settings.demo else None)
    pollers: list[asyncio.Task[None]] = []
    for runtime in services.runtimes.values():
        for channel, adapter in runtime.adapters.items():
            await _start_with_retries(adapter, public_url, f"{runtime.name}/{channel.value}")
            if public_url is None and isinstance(adapter, LongPolls):
                pollers.append(asyncio.create_task(_poll(services, adapter, adapter)))
    if pollers:
        await asyncio.gather(*pollers)


async def _poll(services: Services, adapter: ChannelAdapter, poller: LongPolls) -> None:
    async def handle(raw: bytes) -> None:
        await services.ingest.raw(adapter, raw)

    await poller.poll(handle, stop=services.backends.stop)


def _check_dedupe_horizon(settings: Settings, runtimes: dict[str, BotRuntime]) -> None:
    """A redelivery later than the dedupe TTL would be taken for a new message: say so at start."""
    for runtime in runtimes.values():
        for channel, adapter in runtime.adapters.items():
            horizon = adapter.retry_horizon.total_seconds()
            if horizon > settings.dedupe_ttl_seconds:
                log.warning(
                    "bot %s: %s redelivers webhooks for %.0f s, longer than OMNICAB_DEDUPE_TTL_SECONDS=%d",
                    runtime.name,
                    channel.value,
                    horizon,
                    settings.dedupe_ttl_seconds,
                )


async def _start_with_retries(
    adapter: ChannelAdapter, public_url: str | None, what: str, attempts: int = 30
) -> None:
    delay = 0.05
    for attempt in range(1, attempts + 1):
        try:
            await adapter.start(public_url)
        except Exception as error:
            if attempt == attempts:
                log.error("channel %s could not connect: %s", what, error)
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
        else:
            log.info("channel %s connected", what)
            return
