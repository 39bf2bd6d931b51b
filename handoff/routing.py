"""Who gets a waiting conversation: the person who served the client last, when online with room;
otherwise the least-loaded online person serving its queue.

Capacity: a person's load is the sum of their assigned conversations, 1 for one waiting for them and
0.5 for one waiting for the client; they have room while ``load + 1 <= max_chats``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cabinet_api.services import ConversationView, PersonView
from handoff.queues import serves

EMERGENCY, RETURNING, NORMAL = 0, 10, 20
PRIORITY_OF_REASON = {"emergency": EMERGENCY, "repeat_contact": RETURNING, "always_human": RETURNING}


def priority_of(reason: str) -> int:
    """Lower is served first: emergencies, then returning and always-human clients, then the rest."""
    return PRIORITY_OF_REASON.get(reason, NORMAL)


def has_room(person: PersonView, load: float) -> bool:
    return load + 1 <= person.max_chats


def candidates(
    conversation: ConversationView, people: Sequence[PersonView], loads: Mapping[int, float]
) -> list[PersonView]:
    """Online people with room who serve the conversation's queue, best first."""
    able = [
        person
        for person in people
        if person.active
        and person.status == "online"
        and serves(person.queues, conversation.queue)
        and has_room(person, loads.get(person.id, 0.0))
    ]
    able.sort(key=lambda person: (loads.get(person.id, 0.0), person.status_changed_at, person.id))
    sticky = [person for person in able if person.id == conversation.last_assignee_id]
    return sticky + [person for person in able if person.id != conversation.last_assignee_id]


def position_changed_much(told: int | None, now: int) -> bool:
    """Worth telling the client again: their place halved, or they are next."""
    if told is None:
        return True
    return now < told and (now <= told / 2 or now == 1)
