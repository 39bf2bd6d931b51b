"""``omnicab replay``: dead letters back into their queues, from any process.

The command only marks the letters in the database; a running worker (``omnicab run`` or
``omnicab worker``) puts each marked one back into its queue within a second or two. So it works
the same on the embedded default and on several processes, and marks made while no worker runs
are taken when one starts.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from bots.app.settings import Settings
from cabinet_api import Database, cabinet_services


async def replay_command(settings: Settings, *, ids: Sequence[int], every: bool, listing: bool) -> int:
    database = Database(settings.database_url)
    try:
        await database.migrate()
        letters = cabinet_services(database).dead_letters
        if listing:
            for letter in await letters.list(limit=200):
                waiting = "  (replay requested)" if letter.replay_requested_at else ""
                print(
                    f"{letter.id}\t{letter.kind}\t{letter.created_at:%Y-%m-%d %H:%M:%S}\t"
                    f"{letter.attempts} attempts\t{letter.key}\t{letter.error[:120]}{waiting}"
                )
            return 0
        marked = await letters.request_replay(None if every else list(ids))
    finally:
        await database.dispose()
    if not marked:
        print("omnicab: no such dead letter", file=sys.stderr)
        return 1
    print(f"{marked} dead letter(s) marked for replay; a running worker puts them back into their queues")
    return 0
