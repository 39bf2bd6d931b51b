"""kill -9 of one worker under load: nothing accepted is lost, nothing is sent twice."""

from __future__ import annotations

from tests.faults.conftest import World, sends_in_doubt
from tests.faults.load import Load

KILL_AFTER = 200


async def test_kill_minus_nine_of_one_worker_under_load(services_world: World) -> None:
    world = services_world
    await world.start_cluster(workers=2)
    victim = world.app.workers[0]
    in_flight = 0

    async def kill_once(accepted: int) -> None:
        nonlocal in_flight
        if accepted == KILL_AFTER:
            victim.kill()
            in_flight = await sends_in_doubt(world.app.config.database_url)

    load = Load(world.platform, chats=60, messages=10, on_accepted=kill_once)
    await load.run()
    result = await world.outcome(load, in_flight=in_flight)
    assert victim.process.returncode is not None
    result.check()
