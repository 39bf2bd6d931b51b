"""Button payloads: short, deterministic, and meaningless outside the ask that offered them.

A payload is a digest, not data: the engine only honours payloads it stored in
``SessionState.waiting.buttons`` when it asked, so a forged or stale payload selects nothing.
"""

from __future__ import annotations

import hashlib

MAX_PAYLOAD_BYTES = 40
DYNAMIC_PREFIX = "v:"


def _digest(text: str) -> str:
    return hashlib.blake2s(text.encode(), digest_size=8).hexdigest()


def choice_payload(flow: str, step: int, index: int) -> str:
    return "c" + _digest(f"{flow}/{step}/{index}")


def action_payload(value: str) -> str:
    return f"a{_digest(value)}"


def dynamic_button_id(value: str) -> str:
    """The id stored for a button an action produced: its own payload is the answer's value."""
    return DYNAMIC_PREFIX + value
