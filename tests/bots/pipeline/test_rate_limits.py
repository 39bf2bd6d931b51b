"""Each channel is paced at its own platform's limits; a channel's setting throttles that channel only."""

from __future__ import annotations

import aiohttp
import pytest

from adapters.types import Channel
from bots.app.settings import Settings
from bots.demo import DemoMode
from tests.support.whatsapp_user import WhatsAppUser

SLOW_TELEGRAM = {"telegram_chat_rate_per_second": 0.01, "telegram_chat_burst": 1}


@pytest.fixture
def stack_settings() -> dict[str, object]:
    return SLOW_TELEGRAM


async def test_telegrams_chat_limit_does_not_pace_whatsapp(http: aiohttp.ClientSession, demo: str) -> None:
    """Regression: OMNICAB_TELEGRAM_* rates throttled Viber and WhatsApp too."""
    user = WhatsAppUser(http, demo, wa_id="79990009601", name="Ольга")
    greeting = await user.send("/start")
    assert greeting[0].text == "Здравствуйте, Ольга!"
    assert len(greeting) == 3, "the whole start turn arrives at WhatsApp's own pace"


def test_every_adapter_declares_its_platforms_limits_and_settings_override_one_channel() -> None:
    settings = Settings(demo=True, viber_rate_per_second=20.0, viber_chat_burst=3)
    adapters = DemoMode().channels.adapters(settings, "legal")
    limits = {channel: adapter.rate_limits for channel, adapter in adapters.items()}
    assert (limits[Channel.TELEGRAM].per_bot, limits[Channel.TELEGRAM].per_chat) == (27.0, 1.0)
    assert (limits[Channel.WHATSAPP].per_bot, limits[Channel.WHATSAPP].per_chat_burst) == (72.0, 45)
    viber = limits[Channel.VIBER]
    assert (viber.per_bot, viber.per_bot_burst, viber.per_chat, viber.per_chat_burst) == (20.0, 20, 1.0, 3)
