"""Rating a lawyer's answer (CSAT 1-5) and the optional comment after a low score."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from cabinet_api.actions.base import CabinetAction, Events, Rejected, channel_of, text_slot
from cabinet_api.services.ratings import LOW_CSAT


def _score(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ValueError("rating_score is not a whole number")
    return int(value)


class RateAnswerAction(CabinetAction):
    """Rate the answer to the open request with ``rating_score``; sets ``rating_id`` and ``rating_low``.

    A second rating of the same answer (from any channel) is refused politely and not counted;
    a low score opens the supervisor's follow-up task in the cabinet.
    """

    sets_slots = frozenset({"rating_id", "rating_low"})

    def name(self) -> str:
        return "rate_answer"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        score = _score(tracker.get_slot("rating_score"))
        result = await self.cabinet.ratings.rate(
            client_id,
            subject="request",
            subject_id=text_slot(tracker, "open_request_id"),
            scale="csat",
            score=score,
            channel=channel_of(tracker),
        )
        if result.already:
            raise Rejected("rating.already")
        return [SlotSet("rating_id", result.rating_id), SlotSet("rating_low", score <= LOW_CSAT)]


class CommentRatingAction(CabinetAction):
    """Attach the ``rating_comment`` slot to the rating just given."""

    sets_slots = frozenset({"rating_comment"})

    def name(self) -> str:
        return "comment_rating"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        await self.cabinet.ratings.add_rating_comment(
            client_id, text_slot(tracker, "rating_id"), text_slot(tracker, "rating_comment")
        )
        return [SlotSet("rating_comment", None)]
