"""Long lists in the chat, paged by the engine.

An ask whose choices come ``from`` an action runs that action for every page it shows. The
action reads the page wanted from two read-only slots
(:meth:`~adapters.action_protocol.PageRequest.from_slots`) and answers with the records
(:class:`~adapters.action_protocol.RecordsPage`): that page of them with the ``total``, or simply
all of them, which the engine cuts into pages itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.action_protocol import MAX_PAGE, PageRequest, RecordsPage


@dataclass(frozen=True, slots=True)
class ShownPage:
    """The records shown on one page of a list ask; ``number`` counts from 0."""

    items: tuple[Mapping[str, Any], ...]
    number: int
    size: int
    total: int

    @property
    def count(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_next(self) -> bool:
        return self.number + 1 < self.count

    @property
    def past_the_end(self) -> bool:
        """An empty page after the first: the list shrank since the client saw it."""
        return not self.items and self.number > 0

    def template_data(self) -> dict[str, int]:
        """``page`` in the ask's templates: the page ``number`` (from 1), their ``count``, the ``total``."""
        return {"number": self.number + 1, "count": self.count, "total": self.total, "size": self.size}


def page_of(records: RecordsPage, wanted: PageRequest) -> ShownPage:
    """The page of ``records`` to show: cut from all of them, or the one page the action gave."""
    if records.total is None:
        total = len(records.items)
        number = min(wanted.number, max(0, -(-total // wanted.size) - 1))
        start = number * wanted.size
        return ShownPage(records.items[start : start + wanted.size], number, wanted.size, total)
    number = wanted.number if records.page is None else min(records.page, MAX_PAGE)
    items = records.items[: wanted.size]
    total = max(records.total, number * wanted.size + len(items)) if items else records.total
    return ShownPage(items, number, wanted.size, total)
