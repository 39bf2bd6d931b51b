"""Who may see and act on a conversation: roles and queues, enforced on the server."""

from __future__ import annotations

from cabinet_api.services import ConversationView, PersonView
from handoff.errors import Forbidden
from handoff.queues import serves

SUPERVISING = frozenset({"supervisor", "admin"})


def sees_all(person: PersonView) -> bool:
    return person.role in SUPERVISING


def may_see(person: PersonView, conversation: ConversationView) -> bool:
    """Supervisors and admins see all; others the open ones of their queues, theirs, and those they held."""
    if sees_all(person):
        return True
    mine = conversation.assignee is not None and conversation.assignee.id == person.id
    held = conversation.state == "closed" and conversation.last_assignee_id == person.id
    return mine or held or (conversation.state != "closed" and serves(person.queues, conversation.queue))


def may_act(person: PersonView, conversation: ConversationView) -> bool:
    """Replying, transferring and closing: the assignee, or a supervisor or admin."""
    return sees_all(person) or (conversation.assignee is not None and conversation.assignee.id == person.id)


def require(allowed: bool, what: str) -> None:
    if not allowed:
        raise Forbidden(what)
