from __future__ import annotations

from bots.state.sqlite.tables import StoredItem
from bots.state.sqlite.tail import CommittedTail


def _item(item_id: int) -> StoredItem:
    return StoredItem(item_id, "chat-1", str(item_id).encode())


def test_gives_the_items_after_the_cursor_in_order_up_to_the_limit() -> None:
    tail = CommittedTail(10)
    for item_id in (3, 4, 7, 9):
        tail.add(_item(item_id))

    assert [item.id for item in tail.after(3, 2) or []] == [4, 7]
    assert [item.id for item in tail.after(7, 10) or []] == [9]
    assert tail.after(9, 10) == []


def test_says_so_when_an_item_after_the_cursor_fell_off() -> None:
    tail = CommittedTail(2)
    for item_id in (1, 2, 3):
        tail.add(_item(item_id))

    assert tail.after(0, 10) is None
    assert [item.id for item in tail.after(1, 10) or []] == [2, 3]
