"""Button payloads: short, deterministic, and meaningless outside the ask that offered them.

A payload is a digest, not data: the engine only honours payloads it stored in
``SessionState.waiting.buttons`` when it asked, so a forged or stale payload selects nothing.
What a stored button means is its id: a static choice's index, ``v:<value>`` for a value that
came from an action, ``p:<page>`` for a page of a list.
"""

from __future__ import annotations

import hashlib

MAX_PAYLOAD_BYTES = 40
MAX_VALUE_LENGTH = 256
"""What a button that came from an action may stand for: the session keeps it until the client answers."""
DYNAMIC_PREFIX = "v:"
PAGE_PREFIX = "p:"


def _digest(text: str) -> str:
    return hashlib.blake2s(text.encode(), digest_size=8).hexdigest()


def choice_payload(flow: str, step: int, index: int) -> str:
    return "c" + _digest(f"{flow}/{step}/{index}")


def page_payload(flow: str, step: int, page: int) -> str:
    return "p" + _digest(f"{flow}/{step}/page/{page}")


def action_payload(value: str) -> str:
    return f"a{_digest(value)}"


def dynamic_button_id(value: str) -> str:
    """The id stored for a button an action produced: its own payload is the answer's value."""
    return DYNAMIC_PREFIX + value


def page_button_id(page: int) -> str:
    return f"{PAGE_PREFIX}{page}"


def page_of_button(button_id: str) -> int | None:
    """The page a navigation button turns to; None for any other button."""
    number = button_id.removeprefix(PAGE_PREFIX) if button_id.startswith(PAGE_PREFIX) else ""
    return int(number) if number.isdigit() else None
