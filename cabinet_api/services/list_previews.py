"""The statement that picks, for every client of a conversation list at once, the messages the list shows.

Five picks per client (:class:`~cabinet_api.services.console_views.ListPreview`): the newest message of
anyone, the client's newest words or file, the newest message that is not a notice of the handoff desk,
the client's newest button press, and the newest message before that press that offered its button
(where the button's title is read: a press carries only its payload). Each pick walks the client's
timeline index (``client_id, id``) backwards to its first match, so a long history costs no more than a
short one, and one statement serves the whole list.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, Text, and_, cast, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from cabinet_api.models import Client, Direction, Message, Person

NEWEST, CLIENT, SAID, PRESSED, OFFER = "newest", "client", "said", "pressed", "offer"
SYSTEM_AUTHOR = "system"
BUTTON_KIND = "button"


def _has_content(message: Any) -> Any:
    """Words or a file: a button press, a shared contact or a /start carry no text to show."""
    return or_(and_(message.text.is_not(None), message.text != ""), message.kind == "file")


def _conditions(pick: str, message: Any) -> list[Any]:
    if pick == CLIENT:
        return [message.direction == Direction.IN.value, _has_content(message)]
    if pick == SAID:
        return [or_(message.author.is_(None), message.author != SYSTEM_AUTHOR), _has_content(message)]
    if pick == PRESSED:
        return [message.direction == Direction.IN.value, message.kind == BUTTON_KIND]
    return []


def _newest_id(pick: str) -> Any:
    message = aliased(Message)
    return (
        select(message.id)
        .where(message.client_id == Client.id, *_conditions(pick, message))
        .order_by(message.id.desc())
        .limit(1)
        .correlate(Client)
        .scalar_subquery()
    )


def _offer_id() -> Any:
    """The newest message sent before the client's newest press, on its channel and bot, whose stored
    content holds the press's payload: the message that offered the button (the caller reads the
    title from its buttons, so a text that merely mentions the payload offers nothing)."""
    press, offer = aliased(Message), aliased(Message)
    return (
        select(offer.id)
        .join(press, press.id == _newest_id(PRESSED))
        .where(
            offer.client_id == Client.id,
            offer.id < press.id,
            offer.direction == Direction.OUT.value,
            offer.channel == press.channel,
            offer.bot == press.bot,
            cast(offer.payload, Text).contains(press.payload["payload"].as_string()),
        )
        .order_by(offer.id.desc())
        .limit(1)
        .correlate(Client)
        .scalar_subquery()
    )


def list_previews_query(client_ids: Collection[int]) -> Select[Any]:
    """Rows of (pick, message, its person); a message that is two picks comes once for each."""
    picked = [(pick, _newest_id(pick)) for pick in (NEWEST, CLIENT, SAID, PRESSED)] + [(OFFER, _offer_id())]
    picks = union_all(
        *(
            select(literal(pick).label("pick"), message_id.label("message_id")).where(
                Client.id.in_(client_ids)
            )
            for pick, message_id in picked
        )
    ).subquery()
    return (
        select(picks.c.pick, Message, Person)
        .select_from(picks)
        .join(Message, Message.id == picks.c.message_id)
        .outerjoin(Person, Message.person_id == Person.id)
    )
