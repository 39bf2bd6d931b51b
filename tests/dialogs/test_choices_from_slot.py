"""An ask's choices from a list an earlier step saved in a slot (`choices: {slot: ...}`), paged."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.app.cli import main
from dialogs.loader import BotLoadError, load_bot
from tests.dialogs.harness import DialogHarness

BOT = "name: team\nlocales: [ru]\nstart: menu\n"
FLOWS = """\
flows:
  menu:
    steps:
      - set:
          lawyers:
            - {id: l1, name: Иван Смирнов, field: семейное право}
            - {id: l2, name: Анна Петрова, field: наследство}
            - {id: l3, name: Олег Ким, field: жильё}
            - {id: l4, name: Мария Лебедева, field: трудовые споры}
            - {id: l5, name: Павел Орлов, field: защита прав потребителей}
          days: [понедельник, вторник]
      - ask:
          text: "Выберите юриста (всего {{ page.total }}):"
          save_as: lawyer
          choices:
            slot: lawyers
            title: "{{ item.name }}"
            description: "{{ item.field }}"
            value: "{{ item.id }}"
            per_page: 2
      - ask:
          text: "Какой день?"
          save_as: day
          choices: {slot: days, title: "{{ item.value }}", value: "{{ item.value }}"}
      - ask:
          text: "{{ 'Свободных окон нет.' if not page.total else 'Окна:' }}"
          save_as: slot_time
          choices: {slot: windows, title: "{{ item.value }}", value: "{{ item.value }}"}
          buttons:
            - {title: "В меню", goto: menu}
"""


@pytest.fixture
def bot_dir(tmp_path: Path) -> Path:
    root = tmp_path / "team"
    (root / "flows").mkdir(parents=True)
    (root / "locales").mkdir()
    (root / "bot.yaml").write_text(BOT, encoding="utf-8")
    (root / "flows" / "main.yaml").write_text(FLOWS, encoding="utf-8")
    (root / "locales" / "ru.yaml").write_text("hello: Привет\n", encoding="utf-8")
    return root


async def test_the_list_in_a_slot_pages_and_a_choice_saves_its_value(bot_dir: Path) -> None:
    chat = DialogHarness.for_bot(load_bot(bot_dir))
    await chat.start()
    assert chat.texts == ["Выберите юриста (всего 5):\nСтраница 1 из 3."]
    assert chat.button_titles == ["Иван Смирнов", "Анна Петрова", "Далее →"]
    assert [button.description for button in chat.buttons[:2]] == ["семейное право", "наследство"]
    await chat.press("Далее →")
    await chat.press("Далее →")
    assert chat.button_titles == ["Павел Орлов", "← Назад"]
    await chat.press("← Назад")
    await chat.send("Мария Лебедева")
    assert chat.slots["lawyer"] == "l4"
    assert chat.texts == ["Какой день?"]


async def test_plain_values_are_records_with_a_value_and_a_missing_list_is_empty(bot_dir: Path) -> None:
    chat = DialogHarness.for_bot(load_bot(bot_dir))
    await chat.start()
    await chat.press("Иван Смирнов")
    assert chat.button_titles == ["понедельник", "вторник"]
    await chat.send("2")
    assert chat.slots["day"] == "вторник"
    assert chat.texts == ["Свободных окон нет."]
    assert chat.button_titles == ["В меню"]


def test_choices_come_from_an_action_or_a_slot_not_both(bot_dir: Path) -> None:
    flows = bot_dir / "flows" / "main.yaml"
    flows.write_text(FLOWS.replace("slot: lawyers", "slot: lawyers\n            from: list_lawyers"))
    with pytest.raises(BotLoadError, match="give exactly one of 'from' \\(an action\\) or 'slot'"):
        load_bot(bot_dir, known_actions={"list_lawyers"})


def test_validate_warns_about_choices_from_a_slot_nothing_sets(
    bot_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--strict", str(bot_dir)]) == 1
    warnings = capsys.readouterr().err
    line = next(number for number, text in enumerate(FLOWS.splitlines(), start=1) if "slot: windows" in text)
    assert f"main.yaml:{line}:" in warnings
    assert "slot 'windows' is never set, so these choices are always empty" in warnings
    assert "'lawyers'" not in warnings
    assert "'days'" not in warnings
