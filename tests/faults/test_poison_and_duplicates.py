"""Poison mixed into the load, and duplicate webhooks, at once and late."""

from __future__ import annotations

from tests.faults.conftest import World
from tests.faults.load import Load


async def test_poison_messages_never_block_the_load(services_world: World) -> None:
    world = services_world
    await world.start_cluster(workers=2)
    load = Load(world.platform, chats=60, messages=10, poison_every=5)
    await load.run()
    result = await world.outcome(load)
    assert load.poison_sent == 60 * 2 * 4
    assert load.server_errors == 0, f"{load.server_errors} poison webhooks answered 5xx"
    result.check()


async def test_duplicate_webhooks_at_once_and_late(services_world: World) -> None:
    world = services_world
    await world.start_cluster(workers=2)
    load = Load(world.platform, chats=60, messages=10, duplicates_at_once=True)
    await load.run()
    await world.outcome(load)
    late = sorted(load.accepted)[::3]
    statuses = await load.redeliver(late)
    assert set(statuses) == {200}
    result = await world.outcome(load)
    result.check()
