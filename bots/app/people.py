"""``omnicab people add``: outside demo mode nobody can log in to the console until someone is added."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from bots.app.settings import Settings
from cabinet_api import Database, cabinet_services
from cabinet_api.services import LoginTaken
from handoff.people import add_person


def _password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        print("omnicab: the passwords differ", file=sys.stderr)
        return None
    return first


def add_person_command(settings: Settings, args: argparse.Namespace) -> int:
    password = _password(args)
    if password is None:
        return 1
    queues = [queue.strip() for queue in args.queues.split(",") if queue.strip()]

    async def add() -> str:
        database = Database(settings.database_url)
        try:
            await database.migrate()
            person = await add_person(
                cabinet_services(database, storage=None),
                args.login,
                password=password,
                role=args.role,
                name=args.name,
                queues=queues,
                max_chats=args.max_chats,
                locale=args.locale,
            )
            return person.login
        finally:
            await database.dispose()

    try:
        login = asyncio.run(add())
    except LoginTaken:
        print(f"omnicab: {args.login} exists already", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"omnicab: {error}", file=sys.stderr)
        return 2
    print(f"{login} added ({args.role}); they log in at /console/")
    return 0
