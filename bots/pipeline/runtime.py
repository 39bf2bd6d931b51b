"""A loaded bot: its compiled dialogs, the engine that runs them and its channel adapters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from adapters.types import Channel, ChannelAdapter
from dialogs.engine import DialogEngine
from dialogs.model import CompiledBot


@dataclass(frozen=True, slots=True)
class BotRuntime:
    name: str
    compiled: CompiledBot
    engine: DialogEngine
    adapters: Mapping[Channel, ChannelAdapter]

    def adapter(self, channel: Channel) -> ChannelAdapter | None:
        return self.adapters.get(channel)
