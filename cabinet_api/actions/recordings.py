"""Call recordings in the chat: a paged list, and the recording itself as an audio message."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from cabinet_api.actions.base import CabinetAction, Events, Rejected, text_slot
from cabinet_api.actions.formatting import format_due, format_duration
from cabinet_api.actions.paging import (
    PER_PAGE,
    last_page_number,
    navigation_buttons,
    page_count,
    requested_page,
)
from cabinet_api.actions.requests import audio_attachment
from cabinet_api.services.views import RecordingView


def _recording_button(recording: RecordingView) -> dict[str, Any]:
    return {
        "response": "recordings.item",
        "title": format_due(recording.started_at),
        "payload": recording.public_id,
        "date": format_due(recording.started_at),
        "lawyer": recording.lawyer,
        "duration": format_duration(recording.duration),
    }


class ListRecordingsAction(CabinetAction):
    """One page of the client's call recordings, newest first (date, lawyer, duration); the page
    comes from the ``recording_choice`` slot."""

    def name(self) -> str:
        return "list_recordings"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        number = requested_page(tracker.get_slot("recording_choice"))
        page = await self.cabinet.recordings.list_recordings(client_id, page=number, per_page=PER_PAGE)
        if page.total == 0:
            raise Rejected("recordings.empty")
        if not page.items:
            last = last_page_number(page.total, PER_PAGE)
            page = await self.cabinet.recordings.list_recordings(client_id, page=last, per_page=PER_PAGE)
        dispatcher.utter_message(
            response="recordings.list",
            page=page.page + 1,
            pages=page_count(page),
            total=page.total,
            buttons=[_recording_button(recording) for recording in page.items] + navigation_buttons(page),
        )
        return []


class SendRecordingAction(CabinetAction):
    """Send the recording in ``recording_choice`` (only ever the client's own) as an audio message."""

    def name(self) -> str:
        return "send_recording"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        public_id = text_slot(tracker, "recording_choice")
        recording = await self.cabinet.recordings.recording(client_id, public_id)
        file = await self.cabinet.recordings.recording_file(client_id, public_id)
        dispatcher.utter_message(
            response="recordings.caption",
            date=format_due(recording.started_at),
            lawyer=recording.lawyer,
            duration=format_duration(recording.duration),
            custom=audio_attachment(file, duration=recording.duration),
        )
        return []
