"""``omnicab validate`` warns, with file:line:col, about what would go wrong only in front of a client.

Each test writes a small two-flow bot (with no system texts: the packaged defaults serve), checks
that it is clean, then makes one mistake a designer makes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.app.cli import main

BOT = "name: mini\nlocales: [ru]\nstart: menu\n"
FLOWS = """\
flows:
  menu:
    steps:
      - ask:
          text: "{{ t.menu.question }}"
          buttons:
            - {title: "{{ t.menu.book }}", goto: book}
  book:
    steps:
      - ask:
          text: "{{ t.book.when }}"
          expect: text
          save_as: day
          buttons:
            - {title: "{{ t.menu.back }}", goto: menu}
      - say: "{{ t.book.done | format(day=slots.day) }}"
      - goto: menu
triggers:
  - {match: ["меню"], goto: menu}
"""
TEXTS = """\
menu:
  question: "Чем помочь?"
  book: "Записаться"
  back: "В меню"
book:
  when: "На какой день вас записать?"
  done: "Записали вас на {day}."
"""
DONE = '"{{ t.book.done'
SAY_DONE = "say: " + DONE
BOOK_BUTTON = '"{{ t.menu.book }}"'


@pytest.fixture
def bot_dir(tmp_path: Path) -> Path:
    root = tmp_path / "mini"
    (root / "flows").mkdir(parents=True)
    (root / "locales").mkdir()
    (root / "bot.yaml").write_text(BOT, encoding="utf-8")
    (root / "flows" / "main.yaml").write_text(FLOWS, encoding="utf-8")
    (root / "locales" / "ru.yaml").write_text(TEXTS, encoding="utf-8")
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _position(path: Path, fragment: str, at: str | None = None) -> str:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if fragment in line:
            return f"{path}:{number}:{line.index(fragment) + fragment.index(at or fragment) + 1}"
    raise AssertionError(fragment)


def _warnings(bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["validate", str(bot_dir)]) == 0, "warnings never fail a plain validate"
    warnings = capsys.readouterr().err.splitlines()
    assert main(["validate", "--strict", str(bot_dir)]) == 1
    capsys.readouterr()
    return warnings


def test_a_sound_bot_has_no_warnings(bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--strict", str(bot_dir)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "0 warnings" in captured.out


def test_the_demo_bot_has_no_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    legal = Path(__file__).resolve().parents[2] / "bots" / "legal"
    assert main(["validate", "--strict", str(legal)]) == 0, capsys.readouterr().err


def test_a_slot_no_flow_sets(bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flows = bot_dir / "flows" / "main.yaml"
    _edit(flows, "format(day=slots.day)", "format(day=slots.date)")
    [warning] = _warnings(bot_dir, capsys)
    assert warning == (
        f"{_position(flows, DONE)}: warning: slot 'date' is never set: no ask saves it "
        "(save_as), no 'set:' step sets it and no action the bot runs sets it"
    )


def test_a_format_parameter_the_text_does_not_use(bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flows = bot_dir / "flows" / "main.yaml"
    texts = bot_dir / "locales" / "ru.yaml"
    _edit(flows, "format(day=slots.day)", "format(dya=slots.day)")
    warnings = _warnings(bot_dir, capsys)
    where = _position(flows, DONE)
    assert warnings == [
        f"{where}: warning: format() gives 'dya', which no locale's text 'book.done' uses",
        f"{where}: warning: text 'book.done' in locale ru ({texts}) uses {{day}}, "
        "which this format() does not give (it gives: dya)",
    ]


def test_an_unreachable_flow(bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flows = bot_dir / "flows" / "main.yaml"
    _edit(flows, "triggers:", "  orphan:\n    steps:\n      - goto: menu\ntriggers:")
    [warning] = _warnings(bot_dir, capsys)
    assert warning == (
        f"{_position(flows, 'orphan:')}: warning: flow 'orphan' is never reached: no goto, call, button, "
        "trigger or fallback leads to it from the start flow 'menu'"
    )


def test_a_button_title_too_long_for_whatsapp(bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(bot_dir / "locales" / "ru.yaml", 'book: "Записаться"', 'book: "Записаться на консультацию юриста"')
    [warning] = _warnings(bot_dir, capsys)
    assert warning == (
        f"{_position(bot_dir / 'flows' / 'main.yaml', BOOK_BUTTON)}: warning: button title "
        "«Записаться на консультацию юриста» (ru) is 33 characters; whatsapp shows 24 in a list row, "
        "cut to «Записаться на…»"
    )


def test_titles_are_measured_only_for_the_channels_the_bot_serves(
    bot_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(bot_dir / "locales" / "ru.yaml", 'book: "Записаться"', 'book: "Записаться на консультацию юриста"')
    _edit(bot_dir / "bot.yaml", "start: menu", "start: menu\nchannels: [telegram, viber]")
    assert main(["validate", "--strict", str(bot_dir)]) == 0


def test_a_text_over_a_channels_limit(bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long_text = "Очень подробный ответ. " * 200
    _edit(bot_dir / "locales" / "ru.yaml", 'done: "Записали вас на {day}."', f'done: "{long_text}{{day}}"')
    warnings = _warnings(bot_dir, capsys)
    where = _position(bot_dir / "flows" / "main.yaml", DONE)
    length = len(long_text.strip())
    assert warnings == [
        f"{where}: warning: text (ru) is {length} characters, over telegram's 4096 for a message: "
        "it arrives split into several messages",
        f"{where}: warning: text (ru) is {length} characters, over whatsapp's 4096 for a message: "
        "it arrives split into several messages",
    ]


def test_a_flow_that_ends_with_nothing_to_press(bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flows = bot_dir / "flows" / "main.yaml"
    _edit(flows, "      - goto: menu\ntriggers:", "triggers:")
    [warning] = _warnings(bot_dir, capsys)
    assert warning == (
        f"{_position(flows, SAY_DONE)}: warning: flow 'book' can end here with nothing for the client to "
        "press: end it with 'goto: menu' or an ask with buttons"
    )


def test_an_end_step_is_a_dead_end_but_a_called_flow_returns(
    bot_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flows = bot_dir / "flows" / "main.yaml"
    _edit(
        flows,
        "      - goto: menu\ntriggers:",
        "      - call: thanks\n      - end\n  thanks:\n"
        '    steps:\n      - say: "{{ t.menu.back }}"\ntriggers:',
    )
    [warning] = _warnings(bot_dir, capsys)
    assert warning.startswith(f"{_position(flows, '- end', at='end')}: warning: flow 'book' can end here")
