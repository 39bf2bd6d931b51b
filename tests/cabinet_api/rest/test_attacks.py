"""The REST API as an attacker meets it in the running app: guessed keys and old signed links."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from sqlalchemy import select
from yarl import URL

from bots.app.settings import Settings
from cabinet_api import links
from cabinet_api.db import Database
from cabinet_api.demo import DEMO_PHONE
from cabinet_api.models import Client
from cabinet_api.rest.keys import DEMO_API_KEY
from tests.support.addresses import from_address

LINK_LIFETIME_SECONDS = 120


@pytest.fixture
def stack_settings() -> dict[str, object]:
    return {"link_lifetime_seconds": LINK_LIFETIME_SECONDS}


async def _demo_client_id(settings: Settings) -> str:
    database = Database(settings.database_url)
    try:
        async with database.session() as session:
            public_id = await session.scalar(select(Client.public_id).where(Client.phone == DEMO_PHONE))
    finally:
        await database.dispose()
    assert public_id is not None
    return public_id


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_guessing_keys_is_refused_with_429_while_a_good_key_elsewhere_still_works(
    demo: str, stack: Settings
) -> None:
    client_id = await _demo_client_id(stack)
    url = f"{demo}/api/v1/clients/{client_id}"
    statuses: list[int] = []
    retry_after: list[int] = []
    async with from_address("127.0.0.2") as attacker:
        for guess in range(300):
            async with attacker.get(url, headers=_bearer(f"guess-{guess:04d}-0123456789abcdef")) as response:
                statuses.append(response.status)
                if response.status == 429:
                    retry_after.append(int(response.headers["Retry-After"]))
                    assert (await response.json())["error"]["code"] == "too_many_attempts"
        async with attacker.get(url, headers=_bearer(DEMO_API_KEY)) as response:
            assert response.status == 429, "the address is refused before any key is looked at"

    assert statuses[: stack.auth_failures_per_address] == [401] * stack.auth_failures_per_address
    assert set(statuses[stack.auth_failures_per_address :]) == {429}
    window_share = stack.auth_failure_window_seconds / stack.auth_failures_per_address
    assert all(0 < seconds <= math.ceil(window_share) for seconds in retry_after)

    async with (
        from_address("127.0.0.3") as integration,
        integration.get(url, headers=_bearer(DEMO_API_KEY)) as ok,
    ):
        assert ok.status == 200
        assert (await ok.json())["public_id"] == client_id


async def test_one_wrong_key_from_many_addresses_is_refused_too(demo: str, stack: Settings) -> None:
    url = f"{demo}/api/v1/clients/{await _demo_client_id(stack)}"
    statuses = []
    for attempt in range(stack.auth_failures_per_key + 2):
        wrong_key = _bearer("the-same-wrong-key-0123456789")
        async with (
            from_address(f"127.0.1.{attempt + 1}") as session,
            session.get(url, headers=wrong_key) as response,
        ):
            statuses.append(response.status)
    assert statuses[: stack.auth_failures_per_key] == [401] * stack.auth_failures_per_key
    assert statuses[stack.auth_failures_per_key :] == [429, 429]


async def test_signed_links_live_minutes_and_older_or_overlong_ones_are_refused(
    http: aiohttp.ClientSession, demo: str, stack: Settings
) -> None:
    client_id = await _demo_client_id(stack)
    api = f"{demo}/api/v1/clients/{client_id}/recordings"
    async with http.get(api, headers=_bearer(DEMO_API_KEY)) as listed:
        recording = (await listed.json())["items"][0]["public_id"]
    async with http.get(f"{api}/{recording}/link", headers=_bearer(DEMO_API_KEY)) as response:
        link = await response.json()
    expires_at = datetime.fromisoformat(link["expires_at"])
    lifetime = expires_at - datetime.now(UTC)
    assert (
        timedelta(seconds=LINK_LIFETIME_SECONDS - 30) < lifetime <= timedelta(seconds=LINK_LIFETIME_SECONDS)
    )
    async with http.get(link["url"]) as played:
        assert played.status == 200

    url = URL(link["url"])
    secret = stack.secret_key.get_secret_value().encode()
    signed = links.read(url.name, secret)
    assert signed is not None
    now = datetime.now(UTC)
    for expires, status in (
        (now - timedelta(seconds=1), 410),
        (now + timedelta(days=3650), 410),
        (now + timedelta(seconds=LINK_LIFETIME_SECONDS // 2), 200),
    ):
        token = links.sign(signed.key, expires, secret)
        async with http.get(str(url.parent / token)) as response:
            assert response.status == status, expires
            if status == 410:
                assert "expired" in (await response.json())["error"]["message"]
