"""rasa-sdk actions for tests: run in-process and by a real action server subprocess."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher


class CreateRequest(Action):
    """Stands in for the cabinet's create_request: numbers requests from the description length."""

    def name(self) -> str:
        return "create_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        hours = 48 if tracker.get_slot("answer_format") == "written" else 24
        return [SlotSet("request_number", "A-1001"), SlotSet("request_due", f"через {hours} ч")]


class LookupRequestStatus(Action):
    def name(self) -> str:
        return "lookup_request_status"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        number = tracker.get_slot("request_number") or "?"
        dispatcher.utter_message(text=f"Status of {number}: in progress")
        dispatcher.utter_message(response="status_hint", hours=24)
        return [
            SlotSet("request_status", "in_progress"),
            SlotSet("channel_seen", tracker.get_slot("channel")),
        ]


class ListRequests(Action):
    def name(self) -> str:
        return "list_requests"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(
            text="Your requests:",
            buttons=[{"title": "No. 7", "payload": "req-7"}, {"title": "No. 9", "payload": "req-9"}],
        )
        return []


class Explode(Action):
    def name(self) -> str:
        return "explode"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        raise RuntimeError("the cabinet is down")


class TouchSystemSlot(Action):
    def name(self) -> str:
        return "touch_system_slot"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return [SlotSet("client_id", "someone-else"), {"event": "followup", "name": "action_x"}]
