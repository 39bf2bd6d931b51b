"""``omnicab``: run the app (as one process or as web and worker processes), migrate, validate a
bot, draw its flows, talk to it in the terminal, run its scripts."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import socket
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from bots.app.event_loop import new_event_loop
from bots.app.live_checks import UnsafeSettings, refuse_unsafe_settings
from bots.app.log_redaction import install_log_redaction
from bots.app.roles import Role
from bots.app.settings import Settings

if TYPE_CHECKING:
    from aiohttp import web

    from bots.demo import DemoMode


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ValidationError as error:
        print(f"omnicab: invalid settings:\n{error}", file=sys.stderr)
        return 2
    except UnsafeSettings as error:
        print(f"omnicab: refusing to start: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="omnicab", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="every role in one process: web and worker (the default)")
    web = commands.add_parser(
        "web", help="serve webhooks, the REST API and the console; needs OMNICAB_REDIS_URL and workers"
    )
    for command in (run, web):
        command.add_argument(
            "--demo", action="store_true", help="serve fake platforms and point the bots at them"
        )
        command.add_argument("--host")
        command.add_argument("--port", type=int)
    run.set_defaults(func=_run, role="run")
    web.set_defaults(func=_run, role="web")

    worker = commands.add_parser(
        "worker", help="handle the inbox and the outbox and tick the handoff timers; needs OMNICAB_REDIS_URL"
    )
    worker.add_argument("--demo", action="store_true", help="the bots talk to the demo platforms")
    worker.add_argument("--metrics-port", type=int, help="serve /healthz and /metrics on this port")
    worker.set_defaults(func=_worker)

    validate = commands.add_parser(
        "validate",
        help="check a bot's YAML; exit 1 with file:line:col on errors (and on warnings with --strict)",
    )
    validate.add_argument("bot_dir", type=Path)
    validate.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    validate.set_defaults(func=_validate)

    chat = commands.add_parser("chat", help="talk to a bot in the terminal (buttons are numbered)")
    chat.add_argument("bot_dir", type=Path)
    chat.add_argument("--locale", default="ru", choices=["ru", "en"])
    chat.add_argument("--name", default=None, help="your first name as the bot sees it")
    chat.set_defaults(func=_chat)

    schema = commands.add_parser(
        "schema", help="print the JSON Schema of a bot's bot.yaml, flows/*.yaml or locales/*.yaml"
    )
    schema.add_argument("kind", nargs="?", default="flows", choices=["bot", "flows", "locale"])
    schema.set_defaults(func=_schema)

    graph = commands.add_parser(
        "graph", help="draw a bot's flows, buttons, gotos and handoffs as Mermaid text or an SVG picture"
    )
    graph.add_argument("bot_dir", type=Path)
    graph.add_argument(
        "--format", choices=["mermaid", "svg"], help="mermaid by default; svg when -o names a .svg file"
    )
    graph.add_argument("-o", "--output", type=Path, help="write to this file instead of standard output")
    graph.set_defaults(func=_graph)

    script = commands.add_parser("test", help="run a bot's conversation scripts (BOT_DIR/tests/*.yaml)")
    script.add_argument("bot_dir", type=Path)
    script.add_argument("scripts", nargs="*", type=Path)
    script.set_defaults(func=_test_scripts)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(func=_migrate)

    replay = commands.add_parser(
        "replay", help="put dead letters back into their queues (a running worker takes them)"
    )
    replay.add_argument("ids", nargs="*", type=int, metavar="ID", help="dead letter ids")
    replay.add_argument("--all", action="store_true", help="every dead letter")
    replay.add_argument("--list", action="store_true", help="list the dead letters, newest first")
    replay.set_defaults(func=_replay)

    people = commands.add_parser("people", help="people who answer clients in the console")
    people_commands = people.add_subparsers(required=True, metavar="ACTION")
    add = people_commands.add_parser(
        "add", help="add a person (asks the password twice, or --password-stdin)"
    )
    add.add_argument("login")
    add.add_argument("--role", required=True, choices=["operator", "lawyer", "supervisor", "admin"])
    add.add_argument(
        "--queues", default="", help="comma-separated queues the person serves, e.g. lawyers,duty_lawyer"
    )
    add.add_argument("--name", default=None, help="the name clients and colleagues see")
    add.add_argument("--max-chats", type=int, default=5)
    add.add_argument("--locale", default="ru", choices=["ru", "en"])
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(func=_people_add)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    options = ("host", "port", "metrics_port")
    overrides = {k: v for k in options if (v := getattr(args, k, None)) is not None}
    if getattr(args, "demo", False):
        overrides["demo"] = True
    return Settings(**overrides)


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_redaction()


def _run(args: argparse.Namespace) -> int:
    role = Role(args.role)
    settings = _settings(args)
    refuse_unsafe_settings(settings)
    configure_logging(settings.log_level)
    if not _roles_allowed(settings, role):
        return 2
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        sock = listening_socket(settings.host, settings.port)
    except OSError as error:
        print(
            f"omnicab: cannot listen on {settings.host}:{settings.port}: {error.strerror or error}; "
            "is another omnicab running there? Choose another port with --port or OMNICAB_PORT.",
            file=sys.stderr,
        )
        return 1

    from bots.app.factory import create_app  # aiogram's types take seconds to import: after the port check
    from bots.app.heap import settle_after_start_up

    mode = "demo (fake platforms)" if settings.demo else "live"
    if settings.demo and settings.host not in ("127.0.0.1", "::1", "localhost"):
        print(
            f"omnicab: warning: demo mode on {settings.host} lets anyone who reaches it drive the fake "
            "platforms and the simulator, and its secrets are public; keep it on 127.0.0.1",
            file=sys.stderr,
        )
    print(f"omnicab {role}: {mode} on {settings.base_url}  simulator: {settings.base_url}/", flush=True)
    app = create_app(settings, demo=_demo_mode(settings), role=role)
    app.on_startup.append(settle_after_start_up)
    return _serve_until_stopped(role, _http(app, sock, settings))


def _roles_allowed(settings: Settings, role: Role) -> bool:
    """Separate web and worker processes meet only in Redis: the embedded queues serve one process."""
    if role.value == "run" or settings.redis_url is not None:
        return True
    print(
        f"omnicab {role}: separate web and worker processes share their queues in Redis; "
        "set OMNICAB_REDIS_URL, or use `omnicab run` for one process on the embedded default.",
        file=sys.stderr,
    )
    return False


def _worker(args: argparse.Namespace) -> int:
    """The worker's app has only /healthz and /metrics, served when a metrics port is set."""

    from bots.app.factory import create_app
    from bots.app.heap import settle_after_start_up

    settings = _settings(args)
    refuse_unsafe_settings(settings)
    configure_logging(settings.log_level)
    if not _roles_allowed(settings, Role.WORKER):
        return 2
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings, demo=_demo_mode(settings), role=Role.WORKER)
    app.on_startup.append(settle_after_start_up)
    if settings.metrics_port is None:
        print("omnicab worker: starting (no HTTP; set OMNICAB_METRICS_PORT for /metrics)", flush=True)
        return _serve_until_stopped(Role.WORKER, lambda: _run_on(settings, _serve_without_http(app)))
    try:
        sock = listening_socket(settings.host, settings.metrics_port)
    except OSError as error:
        print(f"omnicab worker: cannot listen on port {settings.metrics_port}: {error}", file=sys.stderr)
        return 1
    print(f"omnicab worker: starting, /metrics on {settings.host}:{settings.metrics_port}", flush=True)
    return _serve_until_stopped(Role.WORKER, _http(app, sock, settings))


def _http(app: web.Application, sock: socket.socket, settings: Settings) -> Callable[[], object]:
    """Serving ``app`` on ``sock`` until stopped, on the event loop the settings name."""
    from aiohttp import web

    return lambda: web.run_app(app, sock=sock, print=None, loop=new_event_loop(settings.event_loop))


def _run_on(settings: Settings, main: Coroutine[object, object, None]) -> None:
    with asyncio.Runner(loop_factory=lambda: new_event_loop(settings.event_loop)) as runner:
        runner.run(main)


def _serve_until_stopped(role: Role | str, serve: Callable[[], object]) -> int:
    """Serves until stopped; a backend that refuses the process, or stays unreachable longer than
    ``OMNICAB_START_TIMEOUT``, is one line and a non-zero exit code instead of a traceback."""
    from bots.app.start_wait import StartFailed

    try:
        serve()
    except StartFailed as error:
        print(f"omnicab {role}: cannot start: {error}", file=sys.stderr)
        return error.exit_code
    return 0


async def _serve_without_http(app: web.Application) -> None:
    """The app's start-up and clean-up without a listening site, until SIGINT or SIGTERM.

    A signal during start-up (waiting for PostgreSQL or Redis) cancels it and ends the process.
    """
    from aiohttp import web

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runner = web.AppRunner(app, handle_signals=False)
    if not await _unless_stopped(runner.setup(), stop):
        return
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


async def _unless_stopped(work: Coroutine[object, object, None], stop: asyncio.Event) -> bool:
    """True once ``work`` finished; False when ``stop`` was set first (``work`` is then cancelled)."""
    task = asyncio.create_task(work)
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if task.done():
        task.result()
        return True
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return False


def listening_socket(host: str, port: int) -> socket.socket:
    """Bound before anything starts, so a taken port is one clear line instead of a traceback later."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def _demo_mode(settings: Settings) -> DemoMode | None:
    """The only place that knows ``bots.demo``: imported in demo mode only."""
    if not settings.demo:
        return None
    from bots.demo import DemoMode

    return DemoMode(telegram_bot_rate=settings.telegram_rate_per_second)


def _validate(args: argparse.Namespace) -> int:
    from bots.app.loading import compile_bot
    from bots.app.validation import bot_warnings
    from dialogs.loader import BotLoadError

    try:
        compiled = compile_bot(args.bot_dir)
    except BotLoadError as error:
        print(str(error), file=sys.stderr)
        return 1
    warnings = bot_warnings(args.bot_dir)
    for warning in warnings:
        print(warning, file=sys.stderr)
    summary = f"{len(compiled.flows)} flows, locales: {', '.join(compiled.locales)}, {len(warnings)} warnings"
    print(f"{args.bot_dir}: ok ({summary})")
    return 1 if warnings and args.strict else 0


def _graph(args: argparse.Namespace) -> int:
    from bots.app.loading import compile_bot
    from dialogs.graph import flow_graph
    from dialogs.graph_mermaid import mermaid
    from dialogs.graph_svg import svg
    from dialogs.loader import BotLoadError

    try:
        compiled = compile_bot(args.bot_dir)
    except BotLoadError as error:
        print(str(error), file=sys.stderr)
        return 1
    output: Path | None = args.output
    kind = args.format or ("svg" if output is not None and output.suffix.lower() == ".svg" else "mermaid")
    graph = flow_graph(compiled)
    text = svg(graph) if kind == "svg" else mermaid(graph)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        print(f"{args.bot_dir}: {len(compiled.flows)} flows drawn in {output}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from dialogs.json_schema import schema_text

    sys.stdout.write(schema_text(args.kind))
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from bots.app.start_wait import needed_backends, wait_for_backends
    from cabinet_api.db import Database

    settings = _settings(args)
    configure_logging(settings.log_level)
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    async def migrate() -> None:
        database = Database(settings.database_url)
        try:
            backends = needed_backends(settings, database, redis=False)
            await wait_for_backends(backends, give_up_after=settings.start_timeout or None)
            await database.migrate()
        finally:
            await database.dispose()

    code = _serve_until_stopped("migrate", lambda: asyncio.run(migrate()))
    if code == 0:
        print("database is up to date")
    return code


def _replay(args: argparse.Namespace) -> int:
    from bots.app.replay import replay_command

    if sum((bool(args.ids), args.all, args.list)) != 1:
        print("omnicab replay: give dead letter ids, --all or --list (one of them)", file=sys.stderr)
        return 2
    settings = _settings(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return asyncio.run(replay_command(settings, ids=args.ids, every=args.all, listing=args.list))


def _people_add(args: argparse.Namespace) -> int:
    from bots.app.people import add_person_command

    settings = _settings(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return add_person_command(settings, args)


def _chat(args: argparse.Namespace) -> int:
    from bots.app.terminal import chat

    settings = _settings(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return asyncio.run(chat(args.bot_dir, settings, locale=args.locale, name=args.name))


def _test_scripts(args: argparse.Namespace) -> int:
    from bots.app.loading import compile_bot
    from bots.app.scripts import run_scripts
    from dialogs.loader import BotLoadError
    from dialogs.script import discover_scripts

    try:
        compiled = compile_bot(args.bot_dir)
    except BotLoadError as error:
        print(str(error), file=sys.stderr)
        return 1
    scripts = args.scripts or discover_scripts(args.bot_dir)
    if not scripts:
        print(f"{args.bot_dir}: no scripts in {args.bot_dir / 'tests'}", file=sys.stderr)
        return 1
    results = asyncio.run(run_scripts(compiled, scripts))
    for result in results:
        print(result)
    failed = sum(not result.passed for result in results)
    print(f"scripts: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
