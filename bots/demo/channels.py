"""Demo credentials: every bot gets all three channels, talking to the fakes served by the app itself,
or by the web process named in ``OMNICAB_*_API_BASE`` (a demo worker has no fakes of its own)."""

from __future__ import annotations

from adapters.telegram import TelegramAdapter
from adapters.types import Channel, ChannelAdapter
from adapters.viber import ViberAdapter
from adapters.whatsapp import TemplateSpec, WhatsAppAdapter
from bots.app.channels import derived_secret, telegram_webhook_secret
from bots.app.loading import bot_directory, bot_name
from bots.app.settings import Settings
from bots.demo.registry import DemoBot, DemoBots, bot_title

DEMO_TEMPLATES = {
    "answer_ready": TemplateSpec(name="omnicab_answer_ready", language="ru", body_params=1),
    "request_update": TemplateSpec(name="omnicab_request_update", language="ru", body_params=1),
    "operator_reply": TemplateSpec(name="omnicab_operator_reply", language="ru", body_params=1),
    "rating_request": TemplateSpec(name="omnicab_rating_request", language="ru"),
    "news": TemplateSpec(name="omnicab_news", language="ru", body_params=1),
}


class DemoChannels:
    """Adapters pointed at the fakes; each bot they are made for joins ``bots``, which the fakes share."""

    def __init__(self, bots: DemoBots) -> None:
        self.bots = bots

    def adapters(self, settings: Settings, bot: str) -> dict[Channel, ChannelAdapter]:
        demo_bot = DemoBot(bot, _title(settings, bot))
        self.bots.add(demo_bot)
        fake = f"{settings.base_url}/fake"
        return {
            Channel.TELEGRAM: TelegramAdapter(
                bot,
                demo_bot.telegram_token,
                telegram_webhook_secret(settings, bot),
                api_base=settings.telegram_api_base or f"{fake}/telegram",
                rate_limits=settings.rate_limits(Channel.TELEGRAM, TelegramAdapter.RATE_LIMITS),
            ),
            Channel.VIBER: ViberAdapter(
                bot,
                demo_bot.viber_token,
                name="Юрист 24/7",
                api_base=settings.viber_api_base or f"{fake}/viber/pa",
                rate_limits=settings.rate_limits(Channel.VIBER, ViberAdapter.RATE_LIMITS),
            ),
            Channel.WHATSAPP: WhatsAppAdapter(
                bot,
                phone_id=demo_bot.whatsapp_phone_id,
                token=derived_secret(settings, f"whatsapp-token:{bot}"),
                app_secret=derived_secret(settings, f"whatsapp-secret:{bot}"),
                verify_token=derived_secret(settings, f"whatsapp-verify:{bot}"),
                api_base=settings.whatsapp_api_base or f"{fake}/whatsapp",
                templates=DEMO_TEMPLATES,
                rate_limits=settings.rate_limits(Channel.WHATSAPP, WhatsAppAdapter.RATE_LIMITS),
            ),
        }


def _title(settings: Settings, bot: str) -> str:
    for entry in settings.bots:
        directory = bot_directory(entry, settings.bots_dir)
        if bot_name(directory) == bot:
            return bot_title(directory, bot)
    return bot
