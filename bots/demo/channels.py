"""Demo credentials: every bot gets all three channels, talking to the fakes served by the app itself,
or by the web process named in ``OMNICAB_*_API_BASE`` (a demo worker has no fakes of its own)."""

from __future__ import annotations

import hashlib
import zlib

from adapters.telegram import TelegramAdapter
from adapters.types import Channel, ChannelAdapter
from adapters.viber import ViberAdapter
from adapters.whatsapp import TemplateSpec, WhatsAppAdapter
from bots.app.channels import derived_secret, telegram_webhook_secret
from bots.app.settings import Settings
from bots.demo.viber_api import demo_auth_token

DEMO_TEMPLATES = {
    "answer_ready": TemplateSpec(name="omnicab_answer_ready", language="ru", body_params=1),
    "request_update": TemplateSpec(name="omnicab_request_update", language="ru", body_params=1),
    "operator_reply": TemplateSpec(name="omnicab_operator_reply", language="ru", body_params=1),
}


def demo_telegram_token(bot: str) -> str:
    bot_id = 7_000_000_000 + zlib.crc32(bot.encode()) % 1_000_000_000
    return f"{bot_id}:DEMO-{hashlib.sha256(bot.encode()).hexdigest()[:30]}"


def demo_whatsapp_phone_id(bot: str) -> str:
    return str(100_000_000_000_000 + zlib.crc32(bot.encode()))


class DemoChannels:
    def adapters(self, settings: Settings, bot: str) -> dict[Channel, ChannelAdapter]:
        fake = f"{settings.base_url}/fake"
        return {
            Channel.TELEGRAM: TelegramAdapter(
                bot,
                demo_telegram_token(bot),
                telegram_webhook_secret(settings, bot),
                api_base=settings.telegram_api_base or f"{fake}/telegram",
                rate_limits=settings.rate_limits(Channel.TELEGRAM, TelegramAdapter.RATE_LIMITS),
            ),
            Channel.VIBER: ViberAdapter(
                bot,
                demo_auth_token(bot),
                name="Юрист 24/7",
                api_base=settings.viber_api_base or f"{fake}/viber/pa",
                rate_limits=settings.rate_limits(Channel.VIBER, ViberAdapter.RATE_LIMITS),
            ),
            Channel.WHATSAPP: WhatsAppAdapter(
                bot,
                phone_id=demo_whatsapp_phone_id(bot),
                token=derived_secret(settings, f"whatsapp-token:{bot}"),
                app_secret=derived_secret(settings, f"whatsapp-secret:{bot}"),
                verify_token=derived_secret(settings, f"whatsapp-verify:{bot}"),
                api_base=settings.whatsapp_api_base or f"{fake}/whatsapp",
                templates=DEMO_TEMPLATES,
                rate_limits=settings.rate_limits(Channel.WHATSAPP, WhatsAppAdapter.RATE_LIMITS),
            ),
        }
