"""Long lists in the chat, paged by the engine.

An ask whose choices come ``from`` an action runs that action for every page it shows. The
action reads the page wanted from two read-only slots (:meth:`PageRequest.from_slots`) and answers
with the records (:class:`~dialogs.outcome.RecordsPage`): that page of them with the ``total``, or
simply all of them, which the engine cuts into pages itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dialogs.outcome import RecordsPage

PAGE_SLOT = "list_page"
PER_PAGE_SLOT = "list_per_page"
DEFAULT_PER_PAGE = 5
MAX_PER_PAGE = 10
MAX_PAGE = 10_000


@dataclass(frozen=True, slots=True)
class PageRequest:
    """The page a list ask wants: ``number`` counts from 0."""

    number: int = 0
    size: int = DEFAULT_PER_PAGE

    @classmethod
    def from_slots(cls, slot: Callable[[str], Any]) -> PageRequest:
        """The page the engine asks for (give it ``tracker.get_slot``); the first page otherwise."""
        number, size = slot(PAGE_SLOT), slot(PER_PAGE_SLOT)
        valid_number = isinstance(number, int) and not isinstance(number, bool) and 0 <= number <= MAX_PAGE
        valid_size = isinstance(size, int) and not isinstance(size, bool) and 1 <= size <= MAX_PER_PAGE
        return cls(number if valid_number else 0, size if valid_size else DEFAULT_PER_PAGE)

    def as_slots(self) -> dict[str, int]:
        return {PAGE_SLOT: self.number, PER_PAGE_SLOT: self.size}


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
