"""What a database cannot store is stored sanitised, with a mark, never dropped.

PostgreSQL refuses U+0000 in text, and no UTF-8 column holds a lone surrogate (U+D800-U+DFFF).
Every text of an inbound event (texts, names, captions, file names, the platform's raw update) is
checked once, at ingest: such characters become U+FFFD, and the event lists the fields that
changed in ``Inbound.sanitized`` (kept with the message in the history).
"""

from __future__ import annotations

import re
from typing import Any

from adapters.types import Inbound

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"
_ESCAPED_UNSTORABLE = re.compile(r"\\u(?:0000|d[89a-f])", re.IGNORECASE)


def queue_item(event: Inbound) -> bytes:
    """``event`` as the inbox keeps it, its texts storable.

    Nearly every event is clean, and its JSON tells so: JSON escapes U+0000 as ``\\u0000``, and a
    lone surrogate cannot be serialised at all. Only an event whose JSON shows either is walked
    field by field (:func:`storable`); a false alarm (a client typing a backslash and ``u0000``)
    only costs that walk.
    """
    try:
        text = event.model_dump_json()
    except ValueError:
        text = None
    if text is not None and _ESCAPED_UNSTORABLE.search(text) is None:
        return text.encode()
    return storable(event).model_dump_json().encode()


def storable(event: Inbound) -> Inbound:
    """``event`` itself when every text is storable, else a copy with them replaced and marked."""
    changed: list[str] = []
    data = event.model_dump(mode="python", exclude={"sanitized"})
    cleaned = _clean(data, "", changed)
    if not changed:
        return event
    marked = tuple(path for path in changed if not path.startswith("raw."))
    return Inbound.model_validate({**cleaned, "sanitized": marked or ("raw",)})


def _clean(value: Any, path: str, changed: list[str]) -> Any:
    if isinstance(value, str):
        if UNSTORABLE.search(value) is None:
            return value
        changed.append(path)
        return UNSTORABLE.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {
            key: _clean(item, f"{path}.{key}" if path else str(key), changed) for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_clean(item, f"{path}.{index}", changed) for index, item in enumerate(value)]
    return value
