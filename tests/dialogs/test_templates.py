from __future__ import annotations

import pytest
from jinja2.exceptions import SecurityError

from dialogs.templates import (
    TemplateCompileError,
    TextCatalog,
    compile_template,
    format_text,
    make_environment,
)


def test_format_fills_named_placeholders_only() -> None:
    assert format_text("Обращение №{number} до {due}", number=7, due="завтра") == "Обращение №7 до завтра"
    assert format_text("{{literal}} {missing}", number=1) == "{literal} "
    assert format_text("%s и %s", "a", "b") == "a и b"


def test_templates_render_plain_text_and_tolerate_missing_slots() -> None:
    template, info = compile_template(make_environment(), "<b>{{ slots.name }}</b>{{ slots.a.b.c }}")
    assert template.render({"slots": {"name": "<Анна>"}}) == "<b><Анна></b>"
    assert info.text_keys == frozenset()


def test_templates_report_text_keys_and_unknown_names() -> None:
    _, info = compile_template(
        make_environment(), "{{ t.faq.hours.title }} {{ t['menu'].guest }} {{ t.x[slots.k] }} {{ y }}"
    )
    assert info.text_keys == {"faq.hours.title", "menu.guest"}
    assert info.text_sections == {"x"}
    assert info.unknown_names == {"y"}


def test_catalogs_have_no_dict_methods_in_the_way() -> None:
    template, _ = compile_template(make_environment(), "{{ t.items }} {{ t.keys.get }}")
    assert (
        template.render({"t": TextCatalog({"items": "Пункты", "keys": {"get": "Взять"}})}) == "Пункты Взять"
    )


def test_the_sandbox_hides_internals() -> None:
    template, _ = compile_template(
        make_environment(), "[{{ slots.__class__.__mro__ }}{{ client.id.__class__ }}]"
    )
    assert template.render({"slots": {}, "client": {"id": "x"}}) == "[]"
    with pytest.raises(SecurityError):
        compile_template(make_environment(), "{{ slots.update({'a': 1}) }}")[0].render({"slots": {}})


def test_broken_templates_do_not_compile() -> None:
    with pytest.raises(TemplateCompileError):
        compile_template(make_environment(), "{% for %}")


@pytest.mark.parametrize(
    ("name", "case", "declined"),
    [
        ("Иван Смирнов", "ins", "Иваном Смирновым"),
        ("Анна Петрова", "ins", "Анной Петровой"),
        ("Смирнова Анна Сергеевна", "gen", "Смирновой Анны Сергеевны"),
        ("Игорь Мельник", "ins", "Игорем Мельником"),
        ("Ольга Мельник", "dat", "Ольге Мельник"),
        ("Иванов И. И.", "gen", "Иванова И. И."),
        ("John Smith", "ins", "John Smith"),
    ],
)
def test_names_are_declined_by_the_case_filter_and_placeholder(name: str, case: str, declined: str) -> None:
    environment = make_environment()
    template, _ = compile_template(environment, "{{ name | case(c) }}|{{ t.with | format(who=name) }}")
    catalog = TextCatalog({"with": f"{{who:{case}}}"})
    assert template.render({"name": name, "c": case, "t": catalog}) == f"{declined}|{declined}"


@pytest.mark.parametrize(
    ("count", "text"),
    [(1, "1 обращение"), (3, "3 обращения"), (5, "5 обращений"), (11, "11 обращений"), (22, "22 обращения")],
)
def test_plural_texts_take_the_form_for_the_count(count: int, text: str) -> None:
    forms = {
        "one": "{n} обращение",
        "few": "{n} обращения",
        "many": "{n} обращений",
        "other": "{n} обращения",
    }
    template, _ = compile_template(make_environment(), "{{ t.requests | plural(n) | format(n=n) }}")
    assert template.render({"n": count, "t": TextCatalog({"requests": forms}, "ru")}) == text
    english = TextCatalog({"requests": {"one": "{n} request", "other": "{n} requests"}}, "en")
    assert template.render({"n": count, "t": english}) == f"{count} request" + ("" if count == 1 else "s")


def test_an_unknown_case_is_a_load_error() -> None:
    with pytest.raises(TemplateCompileError, match="unknown case 'inst'"):
        compile_template(make_environment(), "{{ name | case('inst') }}")


@pytest.mark.parametrize(
    ("locale", "client", "shown"),
    [
        ("ru", {}, "27 ноября в 15:00 по Москве"),
        ("ru", {"time_zone": "Europe/Moscow"}, "27 ноября в 15:00"),
        ("ru", {"time_zone": "Asia/Yekaterinburg"}, "27 ноября в 17:00"),
        ("en", {}, "27 November at 15:00 Moscow time"),
    ],
)
def test_moments_are_shown_in_the_clients_words_with_the_zone_when_it_is_not_theirs(
    locale: str, client: dict[str, str], shown: str
) -> None:
    template, _ = compile_template(make_environment(), "{{ slots.due | datetime }}")
    context = {"t": TextCatalog({}, locale), "client": client, "slots": {"due": "2026-11-27T12:00:00+00:00"}}
    assert template.render(context) == shown
