"""The cabinet's pages as the records a list ask shows; the dialog engine does the paging.

A list action reads the page the engine wants with :func:`requested_page` and answers with
:func:`page_records` (see :mod:`dialogs.paging`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from rasa_sdk import Tracker

from adapters.action_protocol import PageRequest, RecordsPage, custom_payload
from cabinet_api.services.views import Page

T = TypeVar("T")


def requested_page(tracker: Tracker) -> PageRequest:
    return PageRequest.from_slots(tracker.get_slot)


def page_records(page: Page[T], record: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    """The ``json_message`` that answers a list ask with one page of records."""
    records = RecordsPage(items=tuple(record(item) for item in page.items), total=page.total, page=page.page)
    return custom_payload(records=records)
