"""Paged lists in the chat: a button per record, then "previous" / "next" buttons.

A navigation button's payload is ``page:<n>``; the flow saves the pressed button in one slot and
runs the list action again, which reads the page from that slot (any other value means page 0).
"""

from __future__ import annotations

from typing import Any

from cabinet_api.services.views import Page

PAGE_PREFIX = "page:"
PER_PAGE = 5
PREVIOUS_RESPONSE = "common.previous_page"
NEXT_RESPONSE = "common.next_page"


def requested_page(choice: object) -> int:
    if isinstance(choice, str) and choice.startswith(PAGE_PREFIX):
        number = choice.removeprefix(PAGE_PREFIX)
        if number.isdigit():
            return int(number)
    return 0


def page_count(page: Page[Any]) -> int:
    return max(1, -(-page.total // page.per_page))


def navigation_buttons(page: Page[Any]) -> list[dict[str, Any]]:
    buttons: list[dict[str, Any]] = []
    if page.page > 0:
        buttons.append(
            {"response": PREVIOUS_RESPONSE, "title": "←", "payload": f"{PAGE_PREFIX}{page.page - 1}"}
        )
    if page.has_next:
        buttons.append({"response": NEXT_RESPONSE, "title": "→", "payload": f"{PAGE_PREFIX}{page.page + 1}"})
    return buttons


def last_page_number(total: int, per_page: int) -> int:
    return max(0, -(-total // per_page) - 1)
