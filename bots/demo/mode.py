"""What demo mode adds to the app: the fake platforms, the simulator, and adapters pointed at them."""

from __future__ import annotations

from aiohttp import web

from bots.demo.channels import DemoChannels
from bots.demo.registry import DemoBots
from bots.demo.studio import mount_studio
from bots.demo.telegram import FakeTelegram
from bots.demo.viber import FakeViber
from bots.demo.web import mount_simulator
from bots.demo.whatsapp import FakeWhatsApp


class DemoMode:
    """What demo mode adds to the app: the fake platforms, the simulator, and adapters pointed at them."""

    def __init__(self) -> None:
        self.bots = DemoBots()
        self.channels = DemoChannels(self.bots)

    def mount(self, app: web.Application) -> None:
        FakeTelegram(bots=self.bots).mount(app, "/fake/telegram")
        FakeViber(bots=self.bots).mount(app, "/fake/viber")
        FakeWhatsApp(bots=self.bots).mount(app, "/fake/whatsapp")
        mount_simulator(app)
        mount_studio(app)
