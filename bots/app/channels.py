"""Which channels each bot has, with what credentials, talking to which API.

Per-bot credentials come from the environment, ``OMNICAB_<BOT>_<NAME>``:

- Telegram: ``TELEGRAM_TOKEN`` (and optionally ``TELEGRAM_SECRET``, the webhook secret; derived
  from ``OMNICAB_SECRET_KEY`` when unset);
- Viber: ``VIBER_TOKEN``, ``VIBER_NAME`` (the sender name clients see, up to 28 characters),
  optionally ``VIBER_AVATAR`` (a URL);
- WhatsApp: ``WHATSAPP_PHONE_ID``, ``WHATSAPP_TOKEN``, ``WHATSAPP_APP_SECRET``,
  ``WHATSAPP_VERIFY_TOKEN``, and ``WHATSAPP_TEMPLATES`` (JSON: ``{"answer_ready": {"name": ...,
  "language": "ru", "body_params": 1}}``, the approved templates used outside the 24-hour window).

In demo mode ``bots.demo`` gives every bot demo credentials for every channel, pointing at the
fake platforms served by the app itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Mapping
from typing import Protocol

from adapters.telegram import TelegramAdapter
from adapters.types import Channel, ChannelAdapter
from adapters.viber import ViberAdapter
from adapters.whatsapp import TemplateSpec, WhatsAppAdapter
from bots.app.settings import Settings

log = logging.getLogger(__name__)


def derived_secret(settings: Settings, purpose: str, length: int = 40) -> str:
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, purpose.encode(), hashlib.sha256).hexdigest()[:length]


def _env(bot: str, name: str, environ: Mapping[str, str]) -> str | None:
    return environ.get(f"OMNICAB_{bot.upper()}_{name}") or None


def telegram_webhook_secret(settings: Settings, bot: str, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return _env(bot, "TELEGRAM_SECRET", env) or derived_secret(settings, f"telegram-webhook:{bot}")


class ChannelSource(Protocol):
    """Where a bot's channel adapters come from: the environment in live mode, the fakes in demo mode."""

    def adapters(self, settings: Settings, bot: str) -> dict[Channel, ChannelAdapter]: ...


class LiveChannels:
    """Credentials from ``OMNICAB_<BOT>_*``; API bases from settings (the platforms' own by default)."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = environ

    def adapters(self, settings: Settings, bot: str) -> dict[Channel, ChannelAdapter]:
        env = os.environ if self._environ is None else self._environ
        adapters = _live_adapters(settings, bot, env)
        if not adapters:
            log.warning(
                "bot %s has no channel credentials; set OMNICAB_%s_* or run with --demo", bot, bot.upper()
            )
        return adapters


def _live_adapters(settings: Settings, bot: str, env: Mapping[str, str]) -> dict[Channel, ChannelAdapter]:
    adapters: dict[Channel, ChannelAdapter] = {}
    if token := _env(bot, "TELEGRAM_TOKEN", env):
        adapters[Channel.TELEGRAM] = TelegramAdapter(
            bot,
            token,
            telegram_webhook_secret(settings, bot, env),
            api_base=settings.telegram_api_base,
            rate_limits=settings.rate_limits(Channel.TELEGRAM, TelegramAdapter.RATE_LIMITS),
            timeout=settings.telegram_timeout_seconds,
        )
    if token := _env(bot, "VIBER_TOKEN", env):
        adapters[Channel.VIBER] = ViberAdapter(
            bot,
            token,
            name=_env(bot, "VIBER_NAME", env) or bot,
            avatar=_env(bot, "VIBER_AVATAR", env),
            api_base=settings.viber_api_base,
            rate_limits=settings.rate_limits(Channel.VIBER, ViberAdapter.RATE_LIMITS),
        )
    phone_id = _env(bot, "WHATSAPP_PHONE_ID", env)
    if phone_id:
        templates_json = _env(bot, "WHATSAPP_TEMPLATES", env) or "{}"
        templates = {
            key: TemplateSpec.model_validate(spec) for key, spec in json.loads(templates_json).items()
        }
        adapters[Channel.WHATSAPP] = WhatsAppAdapter(
            bot,
            phone_id=phone_id,
            token=_required(bot, "WHATSAPP_TOKEN", env),
            app_secret=_required(bot, "WHATSAPP_APP_SECRET", env),
            verify_token=_required(bot, "WHATSAPP_VERIFY_TOKEN", env),
            api_base=settings.whatsapp_api_base,
            templates=templates,
            rate_limits=settings.rate_limits(Channel.WHATSAPP, WhatsAppAdapter.RATE_LIMITS),
        )
    return adapters


def _required(bot: str, name: str, env: Mapping[str, str]) -> str:
    value = _env(bot, name, env)
    if value is None:
        raise ValueError(
            f"OMNICAB_{bot.upper()}_{name} is required with OMNICAB_{bot.upper()}_WHATSAPP_PHONE_ID"
        )
    return value
