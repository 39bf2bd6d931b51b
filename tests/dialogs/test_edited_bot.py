"""A bot edited under a client mid-dialog (live reload in demo mode, or a new version deployed).

The session keeps working: an edited text shows at once, and an answer to a question that is no
longer there (or that now means something else) restarts the dialog politely at the menu.
"""

from __future__ import annotations

from pathlib import Path

from dialogs.engine import DialogEngine
from dialogs.loader import load_bot
from tests.dialogs.harness import DialogHarness

BOT = "name: shop\nlocales: [ru]\nstart: menu\n"
FLOWS = """\
flows:
  menu:
    steps:
      - ask:
          text: "{{ t.question }}"
          buttons:
            - {title: "{{ t.order }}", goto: order}
  order:
    steps:
      - ask:
          text: "Сколько штук?"
          expect: number
          save_as: count
      - say: "Заказали {{ slots.count }} шт."
      - goto: menu
"""
TEXTS = 'question: "Что хотите?"\norder: "Заказать"\n'
UPDATED = "Извините, пока мы говорили, этот раздел бота изменился. Давайте начнём с меню."


def _write(root: Path, flows: str = FLOWS) -> Path:
    (root / "flows").mkdir(parents=True, exist_ok=True)
    (root / "locales").mkdir(exist_ok=True)
    (root / "bot.yaml").write_text(BOT, encoding="utf-8")
    (root / "flows" / "main.yaml").write_text(flows, encoding="utf-8")
    (root / "locales" / "ru.yaml").write_text(TEXTS, encoding="utf-8")
    return root


async def _in_the_order_flow(root: Path) -> DialogHarness:
    chat = DialogHarness.for_bot(load_bot(root))
    await chat.start()
    await chat.press("Заказать")
    assert chat.texts == ["Сколько штук?"]
    return chat


def _reload(chat: DialogHarness, root: Path) -> None:
    chat.engine = DialogEngine(load_bot(root), chat.engine.actions)


async def test_an_edited_question_text_keeps_the_answer_going(tmp_path: Path) -> None:
    root = _write(tmp_path / "shop")
    chat = await _in_the_order_flow(root)
    _write(root, FLOWS.replace("Заказали {{ slots.count }} шт.", "Приняли заказ: {{ slots.count }} шт."))
    _reload(chat, root)
    await chat.send("3")
    assert chat.texts == ["Приняли заказ: 3 шт.", "Что хотите?"]


async def test_a_question_that_disappeared_restarts_at_the_menu(tmp_path: Path) -> None:
    root = _write(tmp_path / "shop")
    chat = await _in_the_order_flow(root)
    _write(
        root,
        FLOWS.replace(
            """      - ask:
          text: "Сколько штук?"
          expect: number
          save_as: count
""",
            "",
        ),
    )
    _reload(chat, root)
    await chat.send("3")
    assert chat.texts == [UPDATED, "Что хотите?"]
    assert "count" not in chat.slots
    await chat.press("Заказать")
    assert chat.texts == ["Заказали  шт.", "Что хотите?"]


async def test_a_question_that_now_means_something_else_restarts_at_the_menu(tmp_path: Path) -> None:
    root = _write(tmp_path / "shop")
    chat = await _in_the_order_flow(root)
    _write(
        root,
        FLOWS.replace("expect: number\n          save_as: count", "expect: email\n          save_as: count"),
    )
    _reload(chat, root)
    await chat.send("3")
    assert chat.texts == [UPDATED, "Что хотите?"]


async def test_a_flow_that_disappeared_restarts_at_the_menu(tmp_path: Path) -> None:
    root = _write(tmp_path / "shop")
    chat = await _in_the_order_flow(root)
    menu_only = FLOWS.split("  order:")[0].replace("goto: order", "value: order")
    _write(root, menu_only)
    _reload(chat, root)
    await chat.send("3")
    assert chat.texts == [UPDATED, "Что хотите?"]
