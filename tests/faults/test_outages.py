"""PostgreSQL unreachable for 10 s, and Redis restarted (persistent or empty), under load."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.faults.conftest import world_of
from tests.faults.load import Load
from tests.faults.processes import AppConfig, PrivateRedis, StandIn, TcpProxy

OUTAGE_SECONDS = 10.0
FAULT_AFTER = 150


async def test_postgres_unreachable_for_ten_seconds(
    platform: StandIn,
    postgres_proxy: tuple[TcpProxy, str],
    redis_url: str,
    redis_prefix: str,
    tmp_path: Path,
    logs: Path,
    roles: bool,
) -> None:
    proxy, database_url = postgres_proxy
    config = AppConfig(tmp_path / "data", database_url, platform.url, redis_url, redis_prefix)
    async with world_of(platform, config, logs, roles) as world:
        await world.start_cluster(workers=2)
        outage: list[asyncio.Task[None]] = []

        async def cut_for_a_while() -> None:
            await proxy.cut()
            await asyncio.sleep(OUTAGE_SECONDS)  # the outage itself lasts a fixed time
            await proxy.restore()

        async def cut_once(accepted: int) -> None:
            if accepted == FAULT_AFTER:
                outage.append(asyncio.create_task(cut_for_a_while()))

        load = Load(world.platform, on_accepted=cut_once)
        await load.run()
        await asyncio.gather(*outage)
        result = await world.outcome(load)
        result.check()


async def test_redis_killed_and_restarted(
    platform: StandIn, private_redis: PrivateRedis, postgres_url: str, tmp_path: Path, logs: Path, roles: bool
) -> None:
    config = AppConfig(tmp_path / "data", postgres_url, platform.url, private_redis.url, "faults")
    async with world_of(platform, config, logs, roles) as world:
        await world.start_cluster(workers=2)
        restart: list[asyncio.Task[None]] = []

        async def kill_and_start() -> None:
            await private_redis.stop(kill=True)
            await private_redis.start()

        async def restart_once(accepted: int) -> None:
            if accepted == FAULT_AFTER:
                restart.append(asyncio.create_task(kill_and_start()))

        load = Load(world.platform, on_accepted=restart_once)
        await load.run()
        await asyncio.gather(*restart)
        result = await world.outcome(load)
        if private_redis.persistent:
            result.check()
            return
        # A Redis that comes back empty has lost what it held. PostgreSQL's record of the accepted
        # updates gives back those never handled; replies already in the outbox stream have no record
        # of their own yet, and right after the restart the shard leases are gone too, so two workers
        # may hold one conversation for a moment: what is lost or reordered is printed, not required 0
        # (README, Known limits). The database's unique keys still forbid any double.
        assert result.doubled == 0, f"doubled: {result}"
        print(f"Redis restarted empty: lost {result.lost}, out of order {result.out_of_order}")
