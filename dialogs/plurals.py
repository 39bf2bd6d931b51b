"""Texts with plural forms, chosen by CLDR's rules for the locale (through Babel).

In a catalog a plural text is a mapping of CLDR categories to texts, with ``other`` always given:

    earlier:
      one: "…и ещё {count} событие"
      few: "…и ещё {count} события"
      many: "…и ещё {count} событий"
      other: "…и ещё {count} события"

and a template picks the form with ``{{ t.requests.earlier | plural(n) | format(count=n) }}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from babel import Locale
from babel.core import UnknownLocaleError

PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})


def is_plural_entry(value: Any) -> bool:
    """A catalog mapping whose keys are only CLDR plural categories, ``other`` among them."""
    return (
        isinstance(value, Mapping)
        and "other" in value
        and set(value) <= PLURAL_CATEGORIES
        and all(isinstance(form, str) for form in value.values())
    )


@dataclass(frozen=True, slots=True)
class PluralText:
    forms: Mapping[str, str]
    locale: str

    def choose(self, count: Any) -> str:
        category = plural_category(self.locale, count)
        return self.forms.get(category) or self.forms["other"]

    def __str__(self) -> str:
        return self.forms["other"]


def plural_category(locale: str, count: Any) -> str:
    try:
        number = float(count) if not isinstance(count, int) else count
    except (TypeError, ValueError):
        return "other"
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    return str(_rule(locale)(number))


@cache
def _rule(locale: str) -> Any:
    try:
        return Locale.parse(locale).plural_form
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en").plural_form
