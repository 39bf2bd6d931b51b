"""Loading bots: the demo bot loads; every mistake is reported with file:line:col, all at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cabinet_api.actions import cabinet_actions
from dialogs.loader import BotLoadError, LoadError, load_bot
from dialogs.model import Ask, Branch, CompiledBot, Jump
from tests.dialogs.harness import LAB_DIR, LEGAL_DIR, SAMPLE_ACTION_NAMES


def test_the_demo_bot_loads() -> None:
    bot = load_bot(LEGAL_DIR, known_actions={action.name() for action in cabinet_actions()})
    assert bot.name == "legal"
    assert list(bot.locales) == ["ru", "en"]
    assert {"main_menu", "faq", "new_request", "talk_to_human"} <= set(bot.flows)
    assert bot.settings["oral_answer_hours"] == 24
    with pytest.raises(TypeError):
        bot.settings["oral_answer_hours"] = 1  # type: ignore[index]


def test_the_demo_bot_needs_its_action() -> None:
    with pytest.raises(BotLoadError) as raised:
        load_bot(LEGAL_DIR)
    messages = {error.message for error in raised.value.errors}
    assert "unknown action 'create_request' (known actions: none)" in messages
    assert messages == {
        f"unknown action '{action.name()}' (known actions: none)" for action in cabinet_actions()
    }


def test_inline_branches_compile_to_a_flat_program(lab_bot: CompiledBot) -> None:
    steps = lab_bot.flows["ask_age"].steps
    assert isinstance(steps[0], Ask)
    assert isinstance(steps[1], Branch)
    assert steps[1].else_step == 4
    assert isinstance(steps[3], Jump)
    assert steps[3].step == 5


@pytest.fixture
def bot_dir(tmp_path: Path) -> Path:
    target = tmp_path / "lab"
    shutil.copytree(LAB_DIR, target)
    return target


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _errors(bot_dir: Path) -> list[LoadError]:
    with pytest.raises(BotLoadError) as raised:
        load_bot(bot_dir, known_actions=SAMPLE_ACTION_NAMES)
    return raised.value.errors


def _line_of(path: Path, fragment: str) -> tuple[int, int]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if fragment in line:
            return number, line.index(fragment) + 1
    raise AssertionError(fragment)


def test_unknown_goto_target(bot_dir: Path) -> None:
    flows = bot_dir / "flows" / "main.yaml"
    _replace(flows, "goto: ask_age}", "goto: ask_agee}")
    line, column = _line_of(flows, "ask_agee")
    [error] = _errors(bot_dir)
    assert (error.file, error.line, error.column) == (str(flows), line, column)
    assert error.message.startswith("unknown flow 'ask_agee'")


def test_unknown_action(bot_dir: Path) -> None:
    flows = bot_dir / "flows" / "main.yaml"
    _replace(flows, "- action: list_requests", "- action: list_requestz")
    [error] = _errors(bot_dir)
    assert str(error).startswith(
        f"{flows}:{_line_of(flows, 'list_requestz')[0]}:17: unknown action 'list_requestz'"
    )


def test_text_key_missing_in_english(bot_dir: Path) -> None:
    en = bot_dir / "locales" / "en.yaml"
    ru = bot_dir / "locales" / "ru.yaml"
    _replace(en, 'after_call: "Вернулись из подпрограммы"\n', "")
    flows = bot_dir / "flows" / "main.yaml"
    line, column = _line_of(flows, '"{{ t.after_call }}"')
    errors = _errors(bot_dir)
    assert [str(error) for error in errors] == [
        f"{flows}:{line}:{column}: text 'after_call' is missing in locale en ({en})",
        f"{ru}:{_line_of(ru, 'after_call')[0]}:1: text 'after_call' has no translation in locale en",
    ]


def test_bad_regex(bot_dir: Path) -> None:
    flows = bot_dir / "flows" / "main.yaml"
    _replace(flows, 'pattern: "[A-Za-zА-Яа-яЁё -]+"', 'pattern: "[A-Z"')
    [error] = _errors(bot_dir)
    line, column = _line_of(flows, '"[A-Z"')
    assert (error.line, error.column) == (line, column)
    assert error.message.startswith("bad regex: unterminated character set")


def test_bad_template(bot_dir: Path) -> None:
    flows = bot_dir / "flows" / "main.yaml"
    _replace(flows, '"{{ t.in_sub }}"', '"{{ t.in_sub }"')
    [error] = _errors(bot_dir)
    line, column = _line_of(flows, '"{{ t.in_sub }"')
    assert (error.file, error.line, error.column) == (str(flows), line, column)
    assert error.message.startswith("bad template:")


def test_unknown_name_in_a_template(bot_dir: Path) -> None:
    flows = bot_dir / "flows" / "main.yaml"
    _replace(flows, "if: slots.age >= 65", "if: age >= 65")
    [error] = _errors(bot_dir)
    assert error.message.startswith("unknown name 'age' in template")
    assert (error.line, error.column) == _line_of(flows, "age >= 65")


def test_unknown_key(bot_dir: Path) -> None:
    flows = bot_dir / "flows" / "main.yaml"
    _replace(flows, "          max_attempts: 3", "          max_attempt: 3")
    errors = _errors(bot_dir)
    line, column = _line_of(flows, "max_attempt: 3")
    assert f"{flows}:{line}:{column}: unknown key 'max_attempt'; did you mean 'max_attempts'?" in [
        str(error) for error in errors
    ]


def test_unknown_step_kind(bot_dir: Path) -> None:
    flows = bot_dir / "flows" / "main.yaml"
    _replace(flows, '- say: "{{ t.in_sub }}"', '- sya: "{{ t.in_sub }}"')
    [error] = _errors(bot_dir)
    line, _ = _line_of(flows, "- sya:")
    assert (error.line, error.message.split(";")[0]) == (line, "unknown step 'sya'")


@pytest.mark.parametrize(
    ("old", "typo", "suggestion"),
    [
        ("goto: ask_age}", "goto: ask_aeg}", "unknown flow 'ask_aeg'; did you mean 'ask_age'?"),
        ("- action: list_requests", "- action: list_reqests", "did you mean 'list_requests'?"),
        ('"{{ t.senior }}"', '"{{ t.senoir }}"', "locales/ru.yaml); did you mean 'senior'?"),
        (
            "          max_attempts: 3",
            "          max_attemps: 3",
            "unknown key 'max_attemps'; did you mean 'max_attempts'?",
        ),
        ('- say: "{{ t.in_sub }}"', '- sayy: "{{ t.in_sub }}"', "unknown step 'sayy'; did you mean 'say'?"),
    ],
)
def test_a_typo_is_answered_with_the_name_meant(bot_dir: Path, old: str, typo: str, suggestion: str) -> None:
    """A designer who mistypes a flow, action, text, key or step is told the name they most likely meant."""
    _replace(bot_dir / "flows" / "main.yaml", old, typo)
    errors = [str(error) for error in _errors(bot_dir)]
    assert any(suggestion in error for error in errors), errors


def test_a_name_like_no_other_gets_no_guess(bot_dir: Path) -> None:
    _replace(bot_dir / "flows" / "main.yaml", "          max_attempts: 3", "          colour: 3")
    errors = [str(error) for error in _errors(bot_dir)]
    assert [error for error in errors if "unknown key 'colour'" in error] == [
        error for error in errors if error.endswith("unknown key 'colour'")
    ]
    assert not any("did you mean" in error for error in errors), errors


def test_yaml_syntax_error(bot_dir: Path) -> None:
    flows = bot_dir / "flows" / "main.yaml"
    _replace(flows, '  - {match: ["menu"], goto: start}', '  - {match: ["menu", goto: start}')
    [error] = _errors(bot_dir)
    assert error.file == str(flows)
    assert error.line == _line_of(flows, 'match: ["menu", goto')[0]
    assert error.message.startswith("YAML syntax error:")


def test_all_errors_are_collected_across_files(bot_dir: Path) -> None:
    flows = bot_dir / "flows" / "main.yaml"
    _replace(flows, "goto: ask_age}", "goto: nowhere}")
    _replace(flows, "- action: explode\n", "- action: implode\n")
    _replace(bot_dir / "bot.yaml", "start: start", "start: begin")
    errors = _errors(bot_dir)
    assert {error.message.split(" (")[0] for error in errors} == {
        "unknown flow 'nowhere'",
        "unknown action 'implode'",
        "unknown flow 'begin'",
    }
    assert str(BotLoadError(errors)).count("\n") == 2


def _without_system_section(catalog: Path) -> None:
    lines = catalog.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(index for index, line in enumerate(lines) if line.startswith("system:"))
    end = next(
        (index for index in range(start + 1, len(lines)) if lines[index][:1] not in (" ", "\n")), len(lines)
    )
    catalog.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")


def test_system_texts_have_packaged_defaults_a_catalog_overrides(bot_dir: Path) -> None:
    _without_system_section(bot_dir / "locales" / "en.yaml")
    ru = bot_dir / "locales" / "ru.yaml"
    _without_system_section(ru)
    ru.write_text(ru.read_text(encoding="utf-8") + 'system:\n  not_understood: "Не понял вас"\n', "utf-8")

    bot = load_bot(bot_dir, known_actions=SAMPLE_ACTION_NAMES)

    assert bot.catalog("ru").lookup("system.not_understood") == "Не понял вас"
    assert bot.catalog("ru").lookup("system.share_contact") == "Поделиться номером"
    assert bot.catalog("en").lookup("system.not_understood") == (
        "Sorry, I didn't understand. Please choose an option from the menu."
    )


def test_a_locale_without_defaults_must_define_system_texts_in_its_catalog(bot_dir: Path) -> None:
    _replace(bot_dir / "bot.yaml", "locales: [ru, en]", "locales: [ru, en, de]")
    de = bot_dir / "locales" / "de.yaml"
    shutil.copy(bot_dir / "locales" / "en.yaml", de)
    _replace(de, "  share_contact:", "  share_number:")

    errors = _errors(bot_dir)

    missing = [error for error in errors if "'system.share_contact'" in error.message]
    assert [(error.file, error.line) for error in missing] == [(str(de), _line_of(de, "system:")[0])]
    assert "no default texts for locale de" in missing[0].message


def test_a_system_text_mapped_to_a_missing_key_points_at_bot_yaml(bot_dir: Path) -> None:
    bot_yaml = bot_dir / "bot.yaml"
    bot_yaml.write_text(
        bot_yaml.read_text(encoding="utf-8") + "system_texts:\n  not_understood: menu.huh\n", "utf-8"
    )
    errors = _errors(bot_dir)
    line, column = _line_of(bot_yaml, "menu.huh")
    assert {(error.file, error.line, error.column) for error in errors} == {(str(bot_yaml), line, column)}
    assert {error.message.split(" (")[0] for error in errors} == {
        "text 'menu.huh' is missing in locale ru",
        "text 'menu.huh' is missing in locale en",
    }


def test_flows_in_bot_yaml_get_a_hint_where_they_belong(bot_dir: Path) -> None:
    bot_yaml = bot_dir / "bot.yaml"
    bot_yaml.write_text(
        bot_yaml.read_text(encoding="utf-8") + "flows:\n  extra:\n    steps: [end]\n", "utf-8"
    )
    [error] = _errors(bot_dir)
    assert (error.file, error.line, error.column) == (str(bot_yaml), *_line_of(bot_yaml, "flows:"))
    assert error.message == (
        "unknown key 'flows': flows belong in files flows/<name>.yaml beside bot.yaml, "
        "under a top-level 'flows:'"
    )


def test_plural_texts_count_as_one_text(bot_dir: Path) -> None:
    for locale, forms in (
        ("ru", "{one: 'дело', few: 'дела', many: 'дел', other: 'дела'}"),
        ("en", "{one: 'case', other: 'cases'}"),
    ):
        catalog = bot_dir / "locales" / f"{locale}.yaml"
        catalog.write_text(catalog.read_text(encoding="utf-8") + f"counted: {forms}\n", "utf-8")
    bot = load_bot(bot_dir, known_actions=SAMPLE_ACTION_NAMES)
    assert bot.catalog("en").lookup("counted") == "cases"


def test_duplicate_flow_in_two_files(bot_dir: Path) -> None:
    extra = bot_dir / "flows" / "zz_extra.yaml"
    extra.write_text("flows:\n  sub:\n    steps:\n      - end\n", encoding="utf-8")
    [error] = _errors(bot_dir)
    assert (error.file, error.line, error.column) == (str(extra), 2, 3)
    assert error.message.startswith("flow 'sub' is already defined at")


def test_action_server_actions_count_as_known(bot_dir: Path) -> None:
    _replace(
        bot_dir / "bot.yaml",
        "settings:",
        "action_server:\n"
        "  url: http://127.0.0.1:5055\n"
        "  actions: [lookup_request_status, list_requests]\n"
        "settings:",
    )
    bot = load_bot(bot_dir, known_actions=SAMPLE_ACTION_NAMES - {"lookup_request_status", "list_requests"})
    assert bot.action_server is not None
    assert bot.action_server.actions == {"lookup_request_status", "list_requests"}


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("from: case_page", "from: no_such_action", "unknown action 'no_such_action'"),
        ('description: "{{ item.status }}"', 'description: "{{ record.status }}"', "unknown name 'record'"),
        ("per_page: 3", "per_page: 30", "less than or equal to 10"),
        ('text: "{{ t.pick }}"', 'text: "{{ page.number }}"', "unknown name 'page'"),
    ],
)
def test_choices_from_an_action_are_checked_at_load(bot_dir: Path, old: str, new: str, message: str) -> None:
    _replace(bot_dir / "flows" / "main.yaml", old, new)
    errors = _errors(bot_dir)
    assert any(message in error.message for error in errors), errors
