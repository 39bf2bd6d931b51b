"""Call recordings in the chat: a paged list, and the recording itself as an audio message."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from adapters.action_protocol import custom_payload
from adapters.types import MediaKind
from cabinet_api.actions.base import CabinetAction, Events, text_slot
from cabinet_api.actions.formatting import format_due, format_duration
from cabinet_api.actions.paging import page_records, requested_page
from cabinet_api.services.views import RecordingView


def _recording_record(recording: RecordingView) -> dict[str, Any]:
    return {
        "id": recording.public_id,
        "date": format_due(recording.started_at),
        "lawyer": recording.lawyer,
        "duration": format_duration(recording.duration),
    }


class ListRecordingsAction(CabinetAction):
    """The page of the client's call recordings, newest first, that the list ask asks for, as
    records (``id``, ``date``, ``lawyer``, ``duration``)."""

    def name(self) -> str:
        return "list_recordings"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        wanted = requested_page(tracker)
        page = await self.cabinet.recordings.list_recordings(
            client_id, page=wanted.number, per_page=wanted.size
        )
        dispatcher.utter_message(json_message=page_records(page, _recording_record))
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
            json_message=custom_payload(attachment=file.ref(MediaKind.AUDIO, duration=recording.duration)),
        )
        return []
