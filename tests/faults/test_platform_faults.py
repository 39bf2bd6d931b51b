"""The platform answering 429 with retry_after, 500, or later than the app's client timeout."""

from __future__ import annotations

import pytest

from tests.faults.conftest import World
from tests.faults.load import Load

CLIENT_TIMEOUT_SECONDS = 2.0


@pytest.fixture
def client_timeout() -> dict[str, str]:
    return {"OMNICAB_TELEGRAM_TIMEOUT_SECONDS": str(CLIENT_TIMEOUT_SECONDS)}


@pytest.mark.parametrize(
    ("mode", "params"),
    [
        pytest.param("429", {"every": 4, "retry_after": 1}, id="429-retry-after"),
        pytest.param("500", {"every": 5}, id="500"),
        pytest.param(
            "slow",
            {"every": 25, "delay": CLIENT_TIMEOUT_SECONDS + 1},
            id="slower-than-timeout",
        ),
    ],
)
async def test_the_platform_misbehaving(
    services_world: World, client_timeout: dict[str, str], mode: str, params: dict[str, float]
) -> None:
    world = services_world
    world.app.config.extra |= client_timeout
    await world.start_cluster(workers=2)
    await world.platform.set_fault(mode, **params)
    load = Load(world.platform, chats=60, messages=10)
    await load.run()
    result = await world.outcome(load)
    tally = await world.platform.tally()
    if mode in ("429", "500"):
        assert int(tally["refused"]) > 0  # type: ignore[call-overload]
    result.check()
