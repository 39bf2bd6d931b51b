"""``omnicab``: run the app, validate a bot, talk to it in the terminal, run its scripts."""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from bots.app.settings import Settings

if TYPE_CHECKING:
    from bots.demo import DemoMode


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ValidationError as error:
        print(f"omnicab: invalid settings:\n{error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="omnicab", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="serve webhooks, the console, the API and the simulator")
    run.add_argument("--demo", action="store_true", help="serve fake platforms and point the bots at them")
    run.add_argument("--host")
    run.add_argument("--port", type=int)
    run.set_defaults(func=_run)

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

    script = commands.add_parser("test", help="run a bot's conversation scripts (BOT_DIR/tests/*.yaml)")
    script.add_argument("bot_dir", type=Path)
    script.add_argument("scripts", nargs="*", type=Path)
    script.set_defaults(func=_test_scripts)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(func=_migrate)

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
    overrides = {k: v for k in ("host", "port") if (v := getattr(args, k, None)) is not None}
    if getattr(args, "demo", False):
        overrides["demo"] = True
    return Settings(**overrides)


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _run(args: argparse.Namespace) -> int:
    from aiohttp import web

    from bots.app.factory import create_app

    settings = _settings(args)
    configure_logging(settings.log_level)
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
    mode = "demo (fake platforms)" if settings.demo else "live"
    print(f"omnicab: {mode} on {settings.base_url}  simulator: {settings.base_url}/", flush=True)
    web.run_app(create_app(settings, demo=_demo_mode(settings)), sock=sock, print=None)
    return 0


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

    return DemoMode()


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


def _schema(args: argparse.Namespace) -> int:
    from dialogs.json_schema import schema_text

    sys.stdout.write(schema_text(args.kind))
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from cabinet_api.db import Database

    settings = _settings(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    async def migrate() -> None:
        database = Database(settings.database_url)
        try:
            await database.migrate()
        finally:
            await database.dispose()

    asyncio.run(migrate())
    print("database is up to date")
    return 0


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
