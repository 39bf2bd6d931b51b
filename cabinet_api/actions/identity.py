"""The client's own channels: detaching a messenger from their profile."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from cabinet_api.actions.base import CabinetAction, Events, Rejected, channel_of


class UnlinkChannelAction(CabinetAction):
    """Detach the messenger this conversation runs in from the client's profile.

    The messenger starts over as a new, unverified client; the history stays with the profile.
    """

    def name(self) -> str:
        return "unlink_channel"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        metadata = (tracker.latest_message or {}).get("metadata") or {}
        bot, user_id = metadata.get("bot"), metadata.get("user_id")
        if not isinstance(bot, str) or not isinstance(user_id, str):
            raise Rejected("error_generic")
        if not await self.cabinet.identity.unlink(client_id, channel_of(tracker), bot, user_id):
            raise Rejected("error_generic")
        return []
