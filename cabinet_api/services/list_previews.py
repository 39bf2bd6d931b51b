"""The statement that picks, for every client of a conversation list at once, the messages the list shows.

Three picks per client (:class:`~cabinet_api.services.console_views.ListPreview`): the newest message of
anyone, the client's newest words or file, and the newest message that is not a notice of the handoff
desk. Each pick walks the client's timeline index (``client_id, id``) backwards to its first match, so a
long history costs no more than a short one, and one statement serves the whole list.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, and_, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from cabinet_api.models import Client, Direction, Message, Person

NEWEST, CLIENT, SAID = "newest", "client", "said"
SYSTEM_AUTHOR = "system"


def _has_content(message: Any) -> Any:
    """Words or a file: a button press, a shared contact or a /start carry no text to show."""
    return or_(and_(message.text.is_not(None), message.text != ""), message.kind == "file")


def _conditions(pick: str, message: Any) -> list[Any]:
    if pick == CLIENT:
        return [message.direction == Direction.IN.value, _has_content(message)]
    if pick == SAID:
        return [or_(message.author.is_(None), message.author != SYSTEM_AUTHOR), _has_content(message)]
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


def list_previews_query(client_ids: Collection[int]) -> Select[Any]:
    """Rows of (pick, message, its person); a message that is two picks comes once for each."""
    picks = union_all(
        *(
            select(literal(pick).label("pick"), _newest_id(pick).label("message_id")).where(
                Client.id.in_(client_ids)
            )
            for pick in (NEWEST, CLIENT, SAID)
        )
    ).subquery()
    return (
        select(picks.c.pick, Message, Person)
        .select_from(picks)
        .join(Message, Message.id == picks.c.message_id)
        .outerjoin(Person, Message.person_id == Person.id)
    )
