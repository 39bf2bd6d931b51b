"""The bots demo mode serves, and how a request to a fake platform names one of them.

Every loaded bot gets demo credentials derived from its name, so each fake can find the bot a
person picked in the simulator (``?bot=<name>``) among the accounts the app registered with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from bots.demo.viber_api import demo_auth_token


def demo_telegram_token(bot: str) -> str:
    bot_id = 7_000_000_000 + zlib.crc32(bot.encode()) % 1_000_000_000
    return f"{bot_id}:DEMO-{hashlib.sha256(bot.encode()).hexdigest()[:30]}"


def demo_whatsapp_phone_id(bot: str) -> str:
    return str(100_000_000_000_000 + zlib.crc32(bot.encode()))


@dataclass(frozen=True)
class DemoBot:
    name: str
    title: str

    @property
    def telegram_token(self) -> str:
        return demo_telegram_token(self.name)

    @property
    def telegram_bot_id(self) -> str:
        return self.telegram_token.split(":", 1)[0]

    @property
    def viber_token(self) -> str:
        return demo_auth_token(self.name)

    @property
    def whatsapp_phone_id(self) -> str:
        return demo_whatsapp_phone_id(self.name)

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "title": self.title}


def bot_title(bot_dir: Path, name: str) -> str:
    """What a person calls the bot: ``settings.service_name`` of its ``bot.yaml``, else its name."""
    try:
        loaded: Any = YAML(typ="safe").load(bot_dir / "bot.yaml")
    except (OSError, YAMLError):
        return name
    settings = loaded.get("settings") if isinstance(loaded, dict) else None
    title = settings.get("service_name") if isinstance(settings, dict) else None
    return title.strip() if isinstance(title, str) and title.strip() else name


class BotChoiceError(Exception):
    """A request that names no bot, or one that does not exist; ``response`` is the JSON answer."""

    def __init__(self, status: int, russian: str, english: str, bots: list[DemoBot]) -> None:
        super().__init__(english)
        self.response = web.json_response(
            {
                "error": f"{russian} / {english}",
                "error_ru": russian,
                "error_en": english,
                "bots": [bot.as_json() for bot in bots],
            },
            status=status,
        )


class DemoBots:
    """The loaded bots in the order of ``OMNICAB_BOTS``, shared by the three fakes."""

    def __init__(self) -> None:
        self._bots: dict[str, DemoBot] = {}

    def add(self, bot: DemoBot) -> None:
        self._bots[bot.name] = bot

    def __iter__(self) -> Iterator[DemoBot]:
        return iter(list(self._bots.values()))

    def __len__(self) -> int:
        return len(self._bots)

    def choose(self, name: str | None) -> DemoBot | None:
        """The bot ``?bot=`` names; with no name, the only bot (None when the fake knows no bots).

        Raises :class:`BotChoiceError`: 404 for an unknown name, 400 when several bots are loaded
        and the request names none.
        """
        known = list(self)
        choices = ", ".join(f"?bot={bot.name} ({bot.title})" for bot in known)
        if name:
            bot = self._bots.get(name)
            if bot is None:
                raise BotChoiceError(
                    404,
                    f"Бота «{name}» нет. Есть: {choices or 'ни одного'}.",
                    f"There is no bot '{name}'. Known: {choices or 'none'}.",
                    known,
                )
            return bot
        if len(known) > 1:
            raise BotChoiceError(
                400,
                f"Здесь несколько ботов — укажите, какому писать: {choices}.",
                f"Several bots are served here; name the one to write to: {choices}.",
                known,
            )
        return known[0] if known else None

    def listing(self) -> dict[str, Any]:
        return {"bots": [bot.as_json() for bot in self]}

    def add_routes(self, app: web.Application, prefix: str) -> None:
        """``GET {prefix}/bots``: the bots a person can write to through this fake."""

        async def listed(request: web.Request) -> web.Response:
            return web.json_response(self.listing())

        app.router.add_get(f"{prefix}/bots", listed)


class WebhookArrivals:
    """Wakes whoever waits for a webhook each time a bot registers one."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def announce(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, ready: Callable[[], bool], seconds: float) -> bool:
        """Whether ``ready()`` holds within ``seconds``, rechecked at each registration."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not ready():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            event = self._event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
        return True
