"""YAML documents as plain data plus the position of every node, for error messages.

ruamel.yaml's round-trip loader keeps line/column info on mappings and sequences; we copy
the data into plain dicts and lists (so pydantic sees ordinary values) and keep the
positions in a side table keyed by the path of each node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from dialogs.errors import LoadError
from dialogs.schema import STEP_KINDS
from dialogs.suggest import did_you_mean, yaml_keys

PathKey = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    column: int


@dataclass(slots=True)
class SourceDoc:
    """A parsed YAML file: ``data`` is plain Python, positions are 0-based as ruamel gives them."""

    file: str
    data: Any
    key_positions: dict[PathKey, Position] = field(default_factory=dict)
    value_positions: dict[PathKey, Position] = field(default_factory=dict)

    def error(self, path: Sequence[str | int], message: str, *, at_key: bool = False) -> LoadError:
        """An error at the deepest node of ``path`` that exists in this document."""
        position = self._position(tuple(path), at_key)
        return LoadError(self.file, position.line + 1, position.column + 1, message)

    def _position(self, path: PathKey, at_key: bool) -> Position:
        existing = self._existing_prefix(path)
        while existing:
            first = self.key_positions if at_key else self.value_positions
            second = self.value_positions if at_key else self.key_positions
            found = first.get(existing) or second.get(existing)
            if found is not None:
                return found
            existing = existing[:-1]
        return Position(0, 0)

    def _existing_prefix(self, path: PathKey) -> PathKey:
        """Walk ``path`` through the data, skipping parts that are not keys (pydantic union tags)."""
        node = self.data
        walked: list[str | int] = []
        for part in path:
            if _has_child(node, part):
                node = node[part]
                walked.append(part)
        return tuple(walked)

    def validation_errors(
        self, error: ValidationError, hints: Mapping[str, str] | None = None
    ) -> list[LoadError]:
        """``hints``: what to add to "unknown key" for a top-level key, e.g. where it belongs instead."""
        errors = []
        for detail in error.errors(include_url=False):
            location = tuple(detail["loc"])
            message = _describe(detail)
            hint = (hints or {}).get(str(location[0])) if len(location) == 1 else None
            if detail["type"] == "extra_forbidden" and hint:
                message = f"unknown key '{location[0]}': {hint}"
            errors.append(self.error(location, message, at_key=detail["type"] == "extra_forbidden"))
        return errors


def _has_child(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _describe(detail: Any) -> str:
    kind = detail["type"]
    location = [part for part in detail["loc"] if isinstance(part, str)]
    name = location[-1] if location else ""
    if kind == "extra_forbidden":
        return f"unknown key '{name}'{did_you_mean(name, yaml_keys())}"
    if kind == "unknown_step":
        given = detail.get("input")
        first = next(iter(given), None) if isinstance(given, dict) and given else given
        hint = did_you_mean(str(first), STEP_KINDS)
        return f"unknown step '{first}'{hint}; a step is one of: {', '.join(STEP_KINDS)}"
    if kind == "missing":
        return f"missing required key '{name}'"
    message = str(detail["msg"])
    return message[len("Value error, ") :] if message.startswith("Value error, ") else message


def load_yaml(path: Path, display_name: str) -> SourceDoc | LoadError:
    """Parse one YAML file; a syntax error comes back as a :class:`LoadError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return LoadError(display_name, 1, 1, f"cannot read file: {error}")
    return parse_yaml(text, display_name)


def parse_yaml(text: str, display_name: str) -> SourceDoc | LoadError:
    try:
        loaded = YAML(typ="rt").load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = error.problem or error.context or "invalid YAML"
        return LoadError(display_name, line, column, f"YAML syntax error: {problem}")
    except YAMLError as error:
        return LoadError(display_name, 1, 1, f"YAML syntax error: {error}")
    doc = SourceDoc(display_name, None)
    doc.value_positions[()] = Position(0, 0)
    doc.data = _plain(loaded, (), doc)
    return doc


def _plain(node: Any, path: PathKey, doc: SourceDoc) -> Any:
    if isinstance(node, CommentedMap):
        result: dict[Any, Any] = {}
        for key, value in node.items():
            child = (*path, key)
            key_line, key_column = node.lc.key(key)
            value_line, value_column = node.lc.value(key)
            doc.key_positions[child] = Position(key_line, key_column)
            doc.value_positions[child] = Position(value_line, value_column)
            result[key] = _plain(value, child, doc)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            child = (*path, index)
            line, column = node.lc.item(index)
            doc.value_positions[child] = Position(line, column)
            items.append(_plain(value, child, doc))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node
