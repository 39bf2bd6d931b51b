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
