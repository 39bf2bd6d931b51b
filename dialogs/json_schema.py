"""JSON Schemas of a bot's YAML files, generated from :mod:`dialogs.schema` and published with the package.

Editors use them to complete and check as the designer types: VS Code's YAML extension and
JetBrains read a first line ``# yaml-language-server: $schema=<path or URL>``. The files in
``dialogs/schemas/`` are these functions' output (a test keeps them in sync); ``omnicab schema``
prints them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from dialogs import schema

SchemaKind = Literal["bot", "flows", "locale"]
SCHEMA_KINDS: tuple[SchemaKind, ...] = ("bot", "flows", "locale")
SCHEMAS_DIR = Path(__file__).parent / "schemas"
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")

_TITLES = {
    "bot": "omnicab bot.yaml",
    "flows": "omnicab flows/*.yaml",
    "locale": "omnicab locales/<locale>.yaml",
}


def json_schema(kind: SchemaKind) -> dict[str, Any]:
    if kind == "bot":
        generated = _from_model(schema.BotFile)
    elif kind == "flows":
        generated = _from_model(schema.FlowsFile)
        generated["$defs"]["FlowSpec"]["properties"]["steps"]["items"]["oneOf"].append(
            {"const": "end", "description": "End the dialog (short for `end: true`)."}
        )
    else:
        generated = _locale_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": _TITLES[kind], **generated}


def schema_path(kind: SchemaKind) -> Path:
    return SCHEMAS_DIR / f"{kind}.schema.json"


def schema_text(kind: SchemaKind) -> str:
    return json.dumps(json_schema(kind), ensure_ascii=False, indent=2) + "\n"


def _from_model(model_type: type[BaseModel]) -> dict[str, Any]:
    generated = model_type.model_json_schema(by_alias=True)
    generated.pop("title", None)
    return generated


def _locale_schema() -> dict[str, Any]:
    plural = {
        "type": "object",
        "description": "A text with plural forms, chosen by `| plural(n)`: Russian uses one, few, many "
        "(and other for fractions); English one and other.",
        "properties": {category: {"type": "string"} for category in PLURAL_CATEGORIES},
        "required": ["other"],
        "additionalProperties": False,
    }
    return {
        "description": "A bot's texts in one locale: keys (nested sections allowed) to texts. A text may "
        "hold `{name}` placeholders, filled by `| format(name=...)` in a template. `system.*` texts "
        "have packaged defaults that a key defined here overrides.",
        "type": "object",
        "additionalProperties": {"$ref": "#/$defs/Entry"},
        "$defs": {
            "Entry": {
                "anyOf": [
                    {"type": "string"},
                    plural,
                    {"type": "object", "additionalProperties": {"$ref": "#/$defs/Entry"}},
                ]
            }
        },
    }
