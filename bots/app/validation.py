"""``omnicab validate``'s warnings: the dialog lint with the channels' real limits and the renderer's cut."""

from __future__ import annotations

from pathlib import Path

from adapters import telegram, viber, whatsapp
from adapters.render import cut
from bots.app.loading import in_process_action_slots
from dialogs.errors import LoadError
from dialogs.lint import lint_bot
from dialogs.loader import read_sources

CHANNEL_LIMITS = {
    "telegram": telegram.CAPABILITIES,
    "viber": viber.CAPABILITIES,
    "whatsapp": whatsapp.CAPABILITIES,
}


def bot_warnings(bot_dir: Path) -> list[LoadError]:
    """Warnings about a bot that loads; call after it compiled."""
    return lint_bot(
        read_sources(bot_dir), action_slots=in_process_action_slots(), channels=CHANNEL_LIMITS, cut=cut
    )
