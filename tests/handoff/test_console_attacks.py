"""Guessing console passwords in the running app: the guesser's address is refused, others sign in."""

from __future__ import annotations

from tests.support.addresses import from_address


async def test_300_wrong_passwords_meet_429_and_a_colleague_elsewhere_still_signs_in(demo: str) -> None:
    url = f"{demo}/console/api/login"
    statuses = []
    async with from_address("127.0.0.2") as attacker:
        for guess in range(300):
            login = ("operator", "lawyer", "admin")[guess % 3] if guess < 6 else f"user{guess}"
            body = {"login": login, "password": f"guess-{guess}"}
            async with attacker.post(url, json=body) as response:
                statuses.append(response.status)
                if response.status == 429:
                    assert int(response.headers["Retry-After"]) > 0
        async with attacker.post(url, json={"login": "supervisor", "password": "demo"}) as response:
            refused_right_password = response.status

    assert set(statuses[:6]) == {401}
    assert statuses.count(429) >= 270, statuses
    assert refused_right_password == 429, "the guessing address waits even with the right password"

    right = {"login": "supervisor", "password": "demo"}
    async with from_address("127.0.0.3") as colleague, colleague.post(url, json=right) as response:
        assert response.status == 200
        assert "csrf" in await response.json()
