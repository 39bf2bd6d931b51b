"""The published JSON Schemas: in sync with the models, true to the demo bot, strict with a broken one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

from bots.app.cli import main
from dialogs.json_schema import SCHEMA_KINDS, SchemaKind, json_schema, schema_path, schema_text
from tests.dialogs.harness import LEGAL_DIR


def _validator(kind: SchemaKind) -> Draft202012Validator:
    published = json.loads(schema_path(kind).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(published)
    return Draft202012Validator(published)


def _yaml(text: str) -> Any:
    return YAML(typ="safe").load(text)


def _messages(kind: SchemaKind, document: Any) -> list[str]:
    return [error.message for error in _validator(kind).iter_errors(document)]


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_the_published_schemas_are_generated_from_the_models(kind: SchemaKind) -> None:
    assert schema_path(kind).read_text(encoding="utf-8") == schema_text(kind), (
        f"{schema_path(kind)} is stale: run `omnicab schema {kind} > {schema_path(kind)}`"
    )


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_omnicab_schema_prints_the_published_schema(
    kind: SchemaKind, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema", kind]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema(kind)


def test_every_field_is_documented() -> None:
    undocumented = []
    for kind in ("bot", "flows"):
        for name, definition in json_schema(kind)["$defs"].items():
            for field, spec in definition.get("properties", {}).items():
                if not spec.get("description"):
                    undocumented.append(f"{kind}: {name}.{field}")
    assert undocumented == []


def test_the_demo_bot_is_valid_by_the_schemas() -> None:
    files: list[tuple[SchemaKind, Path]] = [("bot", LEGAL_DIR / "bot.yaml")]
    files += [("flows", path) for path in sorted((LEGAL_DIR / "flows").glob("*.yaml"))]
    files += [("locale", path) for path in sorted((LEGAL_DIR / "locales").glob("*.yaml"))]
    assert len(files) > 5
    for kind, path in files:
        assert _messages(kind, _yaml(path.read_text(encoding="utf-8"))) == [], path


def test_the_schemas_reject_a_broken_bot() -> None:
    bot = _yaml("name: broken\nstart: menu\nflows: {menu: {steps: [{say: hi}]}}\n")
    assert any("'flows' was unexpected" in message for message in _messages("bot", bot))

    flows = _yaml(
        """
flows:
  menu:
    steps:
      - sya: "misspelt step"
      - ask: {text: "Choose", buttons: [{title: "A", goto: a, handoff: {queue: lawyers}}]}
      - end
"""
    )
    messages = _messages("flows", flows)
    assert len(messages) == 2, messages
    assert not _validator("flows").is_valid(_yaml("flows: {menu: {steps: []}}"))
    assert not _validator("locale").is_valid(_yaml("menu: {title: 12}"))
