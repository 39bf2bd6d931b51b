"""Limits on a webhook body before an adapter reads it: bounded nesting, text JSON can carry.

No platform nests an update more than a few levels deep, and none sends a lone surrogate
(``\\ud800`` without its pair), which no UTF-8 text can hold. Such a body is refused with 400 and a
clear reason before anything parses it for meaning, so it can never reach a 500.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 32
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")


class UnreadableBody(ValueError):
    """Why a body was refused; the words are ours, never the body's."""


def check_body(raw: bytes, *, max_depth: int = MAX_DEPTH) -> None:
    """Raise :class:`UnreadableBody` unless ``raw`` is UTF-8, at most ``max_depth`` deep, with no lone
    surrogate; whether it is JSON at all the adapter's parser tells, which reads it anyway."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableBody("the body is not UTF-8") from error
    # No deeper than it has opening brackets: most bodies have too few to need the walk.
    if raw.count(b"{") + raw.count(b"[") > max_depth and nesting(raw) > max_depth:
        raise UnreadableBody(f"the body is nested deeper than {max_depth} levels")
    if _ESCAPED_SURROGATE.search(raw) is None:
        return  # UTF-8 cannot hold a surrogate, so only an escape can; the adapter parses the rest
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise UnreadableBody("the body is not JSON") from error
    if _has_lone_surrogate(document):
        raise UnreadableBody("the body holds a lone surrogate (\\ud800-\\udfff), which is not text")


def nesting(raw: bytes) -> int:
    """The deepest nesting of arrays and objects, strings skipped (a bracket in a text is a text)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b'""', raw)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_lone_surrogate(key) or _has_lone_surrogate(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False
