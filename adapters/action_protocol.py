"""What an action and the dialog engine exchange beyond rasa-sdk's own events and messages.

An action writes, and the engine reads: a file or a list's records in a message's ``json_message``
(:func:`custom_payload`), the records themselves (:class:`RecordsPage`), and the page of them a list
ask wants, which the engine puts in two read-only slots (:class:`PageRequest`). Both sides import
these from here, so an action (the cabinet's, or any action server's) never imports the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from adapters.types import FileRef

MAX_RECORDS = 1000
PAGE_SLOT = "list_page"
PER_PAGE_SLOT = "list_per_page"
DEFAULT_PER_PAGE = 5
MAX_PER_PAGE = 10
MAX_PAGE = 10_000


class RecordsPage(BaseModel):
    """A list action's records: one page of them (``total`` counts them all), or all of them."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    items: tuple[dict[str, JsonValue], ...] = Field(max_length=MAX_RECORDS)
    total: int | None = Field(default=None, ge=0)
    page: int | None = Field(default=None, ge=0)


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


def custom_payload(
    *, attachment: FileRef | None = None, records: RecordsPage | None = None
) -> dict[str, Any]:
    """The ``json_message`` of ``dispatcher.utter_message`` that carries a file or a list's records."""
    payload: dict[str, Any] = {}
    if attachment is not None:
        payload["attachment"] = attachment.as_json()
    if records is not None:
        payload["records"] = records.model_dump(mode="json", exclude_none=True)
    return payload
