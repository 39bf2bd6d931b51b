"""rasa-sdk actions for tests: run in-process and by a real action server subprocess."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecutionRejected, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from adapters.action_protocol import PageRequest, RecordsPage, custom_payload


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


CASES = [{"id": f"case-{number}", "number": number, "status": "open"} for number in range(1, 13)]


class CasePage(Action):
    """One page of twelve cases, as the engine asks for it (slot ``case_count`` shrinks the list)."""

    def name(self) -> str:
        return "case_page"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        cases = CASES[: tracker.get_slot("case_count") or len(CASES)]
        wanted = PageRequest.from_slots(tracker.get_slot)
        start = wanted.number * wanted.size
        page = RecordsPage(items=cases[start : start + wanted.size], total=len(cases), page=wanted.number)
        dispatcher.utter_message(json_message=custom_payload(records=page))
        return []


class AllCases(Action):
    """Every case at once: the engine cuts the pages."""

    def name(self) -> str:
        return "all_cases"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(json_message=custom_payload(records=RecordsPage(items=CASES)))
        return []


class ForbiddenCases(Action):
    """Refuses, as the cabinet refuses a client without a verified phone."""

    def name(self) -> str:
        return "forbidden_cases"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text="Not yours")
        return [ActionExecutionRejected(self.name())]


class GoElsewhere(Action):
    """Sends the dialog on to the flow named in the ``next_flow`` slot."""

    def name(self) -> str:
        return "go_elsewhere"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return [SlotSet("went", True), FollowupAction(tracker.get_slot("next_flow") or "start")]


class Teleport(Action):
    """Answers with an event no rasa-sdk version defines."""

    def name(self) -> str:
        return "teleport"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text="Beaming up")
        return [SlotSet("went", True), {"event": "teleport", "to": "mars"}]
