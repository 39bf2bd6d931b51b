"""Designers' conversation scripts: the demo bot's pass; a wrong expectation says where and what."""

from __future__ import annotations

from pathlib import Path

from dialogs.model import CompiledBot
from dialogs.script import run_script
from tests.dialogs.harness import sample_actions


async def test_a_failing_expectation_names_the_step_and_the_difference(
    legal_bot: CompiledBot, tmp_path: Path
) -> None:
    script = tmp_path / "wrong.yaml"
    script.write_text(
        "client: {first_name: Анна}\nsteps:\n  - start:\n"
        "  - bot: Здравствуйте, Анна!\n  - bot: До свидания\n",
        encoding="utf-8",
    )
    result = await run_script(legal_bot, script, sample_actions())
    assert not result.passed
    assert result.failure is not None
    assert (result.failure.step, result.failure.line) == (3, 5)
    assert result.failure.expected == "a reply containing 'До свидания'"
    assert "'Чем могу помочь?'" in result.failure.actual
    assert str(result).startswith(f"FAIL {script}:5 (wrong) step 3 bot: До свидания")


async def test_wrong_buttons_and_missing_buttons(legal_bot: CompiledBot, tmp_path: Path) -> None:
    script = tmp_path / "buttons.yaml"
    script.write_text("steps:\n  - start:\n  - bot_buttons: [Один, Два]\n", encoding="utf-8")
    result = await run_script(legal_bot, script, sample_actions())
    assert result.failure is not None
    menu = (
        "Новое обращение|Частые вопросы|Мои обращения|Записи разговоров|Возврат средств|Связаться с юристом"
    )
    assert result.failure.actual == str(menu.split("|"))
    script.write_text("steps:\n  - start:\n  - press: Три\n", encoding="utf-8")
    result = await run_script(legal_bot, script, sample_actions())
    assert result.failure is not None
    assert result.failure.expected == "a button titled 'Три'"


async def test_a_malformed_script_is_reported_with_its_position(
    legal_bot: CompiledBot, tmp_path: Path
) -> None:
    script = tmp_path / "broken.yaml"
    script.write_text("steps:\n  - start:\n  - shout: hello\n", encoding="utf-8")
    result = await run_script(legal_bot, script, sample_actions())
    assert not result.passed
    assert result.failure is not None
    assert f"{script}:3:5: unknown step 'shout'" in result.failure.actual
