"""A person using the console's JSON API as the console pages do: a cookie session and the CSRF header."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp


@dataclass
class ConsoleUser:
    base_url: str
    http: aiohttp.ClientSession = field(
        default_factory=lambda: aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    )
    csrf: str = ""

    @property
    def api(self) -> str:
        return f"{self.base_url}/console/api"

    async def login(self, login: str, password: str = "demo") -> dict[str, Any]:
        async with self.http.post(
            f"{self.api}/login", json={"login": login, "password": password}
        ) as response:
            body = await response.json()
            assert response.status == 200, body
        self.csrf = body["csrf"]
        return dict(body["person"])

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.csrf} if method != "GET" else {}
        async with self.http.request(method, f"{self.api}{path}", headers=headers, **kwargs) as response:
            body = await response.json() if response.content_type == "application/json" else None
            return response.status, body

    async def get(self, path: str, **kwargs: Any) -> Any:
        status, body = await self.call("GET", path, **kwargs)
        assert status == 200, body
        return body

    async def post(self, path: str, payload: dict[str, Any] | None = None, *, expect: int = 200) -> Any:
        status, body = await self.call("POST", path, json=payload or {})
        assert status == expect, body
        return body

    async def entries_until(
        self, conversation_id: int, predicate: Any, *, wait_at_most: float = 10.0, after: str | None = None
    ) -> list[Any]:
        """History entries after the cursor ``after``, fetched as a tab catches up, until one satisfies
        ``predicate``."""
        deadline = time.monotonic() + wait_at_most
        cursor, seen = after, []
        while True:
            params = {"after": cursor} if cursor else {}
            body = await self.get(f"/conversations/{conversation_id}/messages", params=params)
            seen += body["items"]
            cursor = body["cursor"]
            if any(predicate(entry) for entry in seen) or time.monotonic() > deadline:
                return seen
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        await self.http.close()
