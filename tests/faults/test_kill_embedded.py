"""kill -9 of the embedded default (SQLite, in-process state, one process), then a restart."""

from __future__ import annotations

from tests.faults.conftest import World, sends_in_doubt
from tests.faults.load import Load

KILL_AFTER = 200


async def test_kill_minus_nine_of_the_embedded_default(embedded_world: World) -> None:
    world = embedded_world
    await world.start_embedded()
    assert world.app.web is not None
    process = world.app.web
    in_flight = 0

    async def kill_once(accepted: int) -> None:
        nonlocal in_flight
        if accepted == KILL_AFTER:
            process.kill()
            in_flight = await sends_in_doubt(world.app.config.database_url)

    load = Load(world.platform, chats=60, messages=10, on_accepted=kill_once, give_up_after=1.0)
    await load.run()
    await world.app.restart_web()
    result = await world.outcome(load, in_flight=in_flight)
    assert result.accepted >= KILL_AFTER
    result.check()
