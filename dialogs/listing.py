"""The buttons of one page of a list ask: a button per record, then the previous and next pages."""

from __future__ import annotations

from typing import Any

from dialogs.model import ChoiceList
from dialogs.paging import ShownPage
from dialogs.payloads import MAX_VALUE_LENGTH, action_payload, dynamic_button_id, page_button_id, page_payload
from dialogs.turn_state import Offer, TurnState


def page_offers(
    turn: TurnState, listing: ChoiceList, page: ShownPage, where: tuple[str, int], context: dict[str, Any]
) -> list[Offer]:
    """``where`` is the ask's (flow, step): a page button means "this ask, that page"."""
    offers = []
    for item in page.items:
        item_context = {**context, "item": dict(item)}
        value = listing.value.render(item_context)
        if not value or len(value) > MAX_VALUE_LENGTH:
            turn.report("record_without_value", source=listing.source)
            continue
        title = listing.title.render(item_context) or value
        description = listing.description.render(item_context) if listing.description is not None else ""
        offers.append(Offer(action_payload(value), dynamic_button_id(value), title, description or None))
    flow, step = where
    if page.number > 0:
        previous = page.number - 1
        offers.append(
            Offer(
                page_payload(flow, step, previous),
                page_button_id(previous),
                turn.text(turn.texts.previous_page),
            )
        )
    if page.has_next:
        following = page.number + 1
        offers.append(
            Offer(
                page_payload(flow, step, following),
                page_button_id(following),
                turn.text(turn.texts.next_page),
            )
        )
    return offers
