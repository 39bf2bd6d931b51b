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
