"""The database's part of one message on PostgreSQL, alone: the statements a message's path runs.

Each simulated message runs the cabinet calls the pipeline makes for an echo message (the webhook's
accepted record, the ledger's look-up, the identity, the inbound history, the handoff's checks, the
reply's history, the ledger's mark, the send journal's intent and result with the delivery mark),
``--conversations`` conversations at once, each in order. Reported: CPU per message of this process
(the database server's CPU is not counted), with the group commit's statements run straight on
asyncpg (:mod:`cabinet_api.direct_groups`) and through SQLAlchemy's asyncio layer, interleaved.

    .venv/bin/python bench/db_path.py --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

# This tree's code, not the installed one's: an A/B run from a snapshot of an older commit
# measures that commit (the editable install points at whichever checkout installed it).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from adapters.types import Channel, ConversationRef, Inbound, Outbound, Reply, Sender, TextBody
from cabinet_api import Database, cabinet_services
from cabinet_api.services.accepted import AcceptedEvent

ADMIN = os.environ.get("OMNICAB_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _conversation(cabinet, user: int, messages: int, tag: str) -> None:  # type: ignore[no-untyped-def]
    chat = str(user)
    conversation = ConversationRef(channel=Channel.TELEGRAM, bot="bench", chat_id=chat, user_id=chat)
    for n in range(messages):
        key = f"{tag}-{user}-{n}"
        event = Inbound(
            event_id=key,
            conversation=conversation,
            sender=Sender(user_id=str(user), first_name="Анна"),
            body=TextBody(text=f"сообщение {n}"),
            received_at=datetime.now(UTC),
        )
        await cabinet.accepted.record([AcceptedEvent(key, f"c{user}", b"{}")])
        await cabinet.accepted.earlier_unhandled(key, f"c{user}")
        profile = await cabinet.identity.identify(event)
        await cabinet.history.record_inbound(profile, event)
        await cabinet.conversations.open_of(profile.client_id)
        await cabinet.ratings.latest_of(profile.client_id)
        outbound = Outbound(id=f"out-{key}", conversation=conversation, reply=Reply(text=f"сообщение {n}"))
        await cabinet.history.record_outbound_many(profile, [outbound], status="queued")
        await cabinet.accepted.mark_handled(key)
        await cabinet.sends.begin("telegram", "bench", outbound.id, 0)
        await cabinet.sends.settle_delivered(
            "telegram", "bench", outbound.id, 0, platform_message_id="1", message_platform_ids="1"
        )


async def _round(db: Database, direct: bool, args: argparse.Namespace, tag: str) -> float:
    saved = db._group.direct, db._reply_group.direct
    if not direct:
        db._group.direct = db._reply_group.direct = None
    cabinet = cabinet_services(db)
    await asyncio.gather(*(_conversation(cabinet, u, 1, tag + "w") for u in range(args.conversations)))
    started, wall = _cpu(), time.perf_counter()
    await asyncio.gather(*(_conversation(cabinet, u, args.messages, tag) for u in range(args.conversations)))
    cpu, wall = _cpu() - started, time.perf_counter() - wall
    db._group.direct, db._reply_group.direct = saved
    total = args.conversations * args.messages
    way = "asyncpg directly" if direct else "SQLAlchemy's asyncio layer"
    counts = db.direct if direct else None
    fell_back = (
        f", {counts.fallbacks} groups ran the usual way, {counts.groups} ran on asyncpg,"
        f" {counts.shared} statements went out with the same ones of other units"
        if counts is not None
        else ""
    )
    print(f"{way}: {cpu / total * 1e3:.3f} ms CPU per message, {total / wall:.0f} messages/s{fell_back}")
    return cpu / total


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=64)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop

        uvloop.run(_measure(args))
    else:
        asyncio.run(_measure(args))


async def _measure(args: argparse.Namespace) -> None:
    name = f"bench_db_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    db = Database(ADMIN.rsplit("/", 1)[0] + "/" + name)
    try:
        await db.migrate()
        for round_no in range(args.rounds):
            for direct in (True, False):
                await _round(db, direct, args, f"r{round_no}{direct}")
    finally:
        await db.dispose()
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    main()
