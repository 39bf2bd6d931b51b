"""«Did you mean …?» for a name a designer mistyped: the closest known name, when one is close enough."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches
from functools import cache

from pydantic import BaseModel

from dialogs import schema

CLOSE_ENOUGH = 0.75


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` naming the known name closest to ``name``, or ``""`` when none is close."""
    found = get_close_matches(name, sorted(set(known) - {name}), n=1, cutoff=CLOSE_ENOUGH)
    return f"; did you mean '{found[0]}'?" if found else ""


@cache
def yaml_keys() -> frozenset[str]:
    """Every key the YAML of a bot may use anywhere (``from``, not ``from_``)."""
    keys: set[str] = set()
    for value in vars(schema).values():
        if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == schema.__name__:
            keys.update(field.alias or name for name, field in value.model_fields.items())
    return frozenset(keys)
