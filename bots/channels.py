"""Which channels each bot has, with what credentials, talking to which API.

Per-bot credentials come from the environment: ``OMNICAB_<BOT>_TELEGRAM_TOKEN`` and, optionally,
``OMNICAB_<BOT>_TELEGRAM_SECRET`` (the webhook secret; derived from ``OMNICAB_SECRET_KEY`` when
unset). In demo mode every bot gets demo credentials and talks to the fake platforms in the app.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import zlib
from collections.abc import Mapping

from adapters.telegram import TelegramAdapter
from adapters.types import Channel, ChannelAdapter
from bots.settings import Settings

log = logging.getLogger(__name__)


def _derived(settings: Settings, purpose: str, length: int = 40) -> str:
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, purpose.encode(), hashlib.sha256).hexdigest()[:length]


def demo_telegram_token(bot: str) -> str:
    bot_id = 7_000_000_000 + zlib.crc32(bot.encode()) % 1_000_000_000
    return f"{bot_id}:DEMO-{hashlib.sha256(bot.encode()).hexdigest()[:30]}"


def _env(bot: str, name: str, environ: Mapping[str, str]) -> str | None:
    value = environ.get(f"OMNICAB_{bot.upper()}_{name}")
    return value or None


def telegram_webhook_secret(settings: Settings, bot: str, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return _env(bot, "TELEGRAM_SECRET", env) or _derived(settings, f"telegram-webhook:{bot}")


def build_adapters(
    settings: Settings, bot: str, environ: Mapping[str, str] | None = None
) -> dict[Channel, ChannelAdapter]:
    env = os.environ if environ is None else environ
    adapters: dict[Channel, ChannelAdapter] = {}
    secret = telegram_webhook_secret(settings, bot, env)
    if settings.demo:
        adapters[Channel.TELEGRAM] = TelegramAdapter(
            bot, demo_telegram_token(bot), secret, api_base=f"{settings.base_url}/fake/telegram"
        )
    elif token := _env(bot, "TELEGRAM_TOKEN", env):
        adapters[Channel.TELEGRAM] = TelegramAdapter(bot, token, secret, api_base=settings.telegram_api_base)
    if not adapters:
        log.warning(
            "bot %s has no channel credentials; set OMNICAB_%s_TELEGRAM_TOKEN or run with --demo",
            bot,
            bot.upper(),
        )
    return adapters
