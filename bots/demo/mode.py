"""What demo mode adds to the app: the fake platforms, the simulator, and adapters pointed at them."""

from __future__ import annotations

import math

from aiohttp import web

from bots.demo.channels import DemoChannels
from bots.demo.registry import DemoBots
from bots.demo.studio import mount_studio
from bots.demo.telegram import FakeTelegram
from bots.demo.telegram_api import BOT_MESSAGES_PER_SECOND
from bots.demo.viber import FakeViber
from bots.demo.web import mount_simulator
from bots.demo.whatsapp import FakeWhatsApp


class DemoMode:
    """What demo mode adds to the app: the fake platforms, the simulator, and adapters pointed at them."""

    def __init__(self, *, telegram_bot_rate: float | None = None) -> None:
        """``telegram_bot_rate``: the app's lifted Telegram rate (load tests), which the fake then
        allows too, as Telegram does for a bot granted a higher limit; never less than Telegram's 30/s."""
        self.bots = DemoBots()
        self.channels = DemoChannels(self.bots)
        self.telegram_bot_rate = max(BOT_MESSAGES_PER_SECOND, math.ceil(telegram_bot_rate or 0))

    def mount(self, app: web.Application) -> None:
        FakeTelegram(bots=self.bots, bot_messages_per_second=self.telegram_bot_rate).mount(
            app, "/fake/telegram"
        )
        FakeViber(bots=self.bots).mount(app, "/fake/viber")
        FakeWhatsApp(bots=self.bots).mount(app, "/fake/whatsapp")
        mount_simulator(app)
        mount_studio(app)
