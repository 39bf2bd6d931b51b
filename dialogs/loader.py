"""Loading a bot directory: ``bot.yaml``, ``flows/*.yaml``, ``locales/<locale>.yaml``.

Every problem is reported with file, line and column, all of them at once.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from dialogs import declension, model, schema
from dialogs.compiler import Compiler
from dialogs.errors import BotLoadError, LoadError
from dialogs.plurals import is_plural_entry
from dialogs.source import SourceDoc, load_yaml
from dialogs.templates import TextCatalog, make_environment

__all__ = ["BotLoadError", "LoadError", "load_bot"]

SchemaT = TypeVar("SchemaT", bound=BaseModel)


SYSTEM_TEXTS_DIR = Path(__file__).parent / "system_texts"


@dataclass(frozen=True, slots=True)
class _Catalog:
    """A bot's catalog for one locale over the packaged ``system.*`` defaults for that locale."""

    doc: SourceDoc
    texts: dict[str, Any]
    own_keys: frozenset[str]
    keys: frozenset[str]


def load_bot(bot_dir: Path, known_actions: Iterable[str] = ()) -> model.CompiledBot:
    """Load and compile a bot; raises :class:`BotLoadError` listing every problem found.

    Two passes: every file's syntax and shape, then (when those are sound) every reference.
    """
    errors: list[LoadError] = []
    bot_doc, bot = _load_model(bot_dir / "bot.yaml", schema.BotFile, errors, _BOT_FILE_HINTS)
    flow_docs = [
        _load_model(path, schema.FlowsFile, errors) for path in sorted((bot_dir / "flows").glob("*.y*ml"))
    ]
    if not flow_docs:
        errors.append(LoadError(str(bot_dir / "flows"), 1, 1, "no flow files (flows/*.yaml)"))
    if bot is None or bot_doc is None:
        raise BotLoadError(errors)

    catalogs = _load_catalogs(bot_dir, bot_doc, bot, errors)
    flows = _collect_flows(flow_docs, errors)
    if errors:
        # References are only checked once every file has the right shape: a broken file would
        # otherwise make every flow it defines look unknown.
        raise BotLoadError(errors)
    server_actions = frozenset(bot.action_server.actions) if bot.action_server else frozenset()
    compiler = Compiler(
        make_environment(bot.time_zone),
        frozenset(flows),
        frozenset(known_actions) | server_actions,
        {locale: (str(catalog.doc.file), catalog.keys) for locale, catalog in catalogs.items()},
    )
    compiled_flows = {name: compiler.flow(doc, name, spec) for name, (doc, spec) in flows.items()}
    triggers = tuple(
        compiler.trigger(doc, trigger, ("triggers", index))
        for doc, flows_file in _valid(flow_docs)
        for index, trigger in enumerate(flows_file.triggers)
    )
    compiler.flow_ref(bot_doc, bot.start, ("start",))
    for role, key in bot.system_texts.model_dump().items():
        if role in bot.system_texts.model_fields_set:
            compiler.text_key(bot_doc, key, ("system_texts", role))
        else:
            errors.extend(_missing_system_text(catalogs, key))
    fallback = model.Target(goto=bot.start)
    if bot.fallback is not None:
        fallback = compiler.target(bot_doc, bot.fallback.goto, bot.fallback.handoff, ("fallback",))
    errors.extend(compiler.errors)
    errors.extend(_untranslated(catalogs))
    if errors:
        raise BotLoadError(errors)
    if _declines_names(bot_dir):
        declension.warm_up()

    return model.CompiledBot(
        name=bot.name,
        default_locale=bot.default_locale,
        start_flow=bot.start,
        flows=types.MappingProxyType(compiled_flows),
        triggers=triggers,
        locales=types.MappingProxyType(
            {locale: TextCatalog(c.texts, locale) for locale, c in catalogs.items()}
        ),
        system_texts=bot.system_texts,
        fallback=fallback,
        action_server=(
            model.ActionServer(bot.action_server.url.rstrip("/"), server_actions)
            if bot.action_server
            else None
        ),
        settings=_frozen(bot.settings),
        time_zone=bot.time_zone,
    )


_BOT_FILE_HINTS = {
    "flows": "flows belong in files flows/<name>.yaml beside bot.yaml, under a top-level 'flows:'",
    "triggers": "triggers belong in files flows/<name>.yaml beside bot.yaml, under a top-level 'triggers:'",
    "texts": "texts belong in the catalogs locales/<locale>.yaml beside bot.yaml",
}


_DECLENSION = re.compile(r"\{\w+:\w+\}|\|\s*(?:case|datetime)\b")


def _declines_names(bot_dir: Path) -> bool:
    """Whether a flow or a catalog declines names (or says a time zone «по Москве»), so the first
    client to see one does not wait for the dictionaries to load."""
    files = [*(bot_dir / "flows").glob("*.y*ml"), *(bot_dir / "locales").glob("*.y*ml")]
    return any(_DECLENSION.search(path.read_text(encoding="utf-8")) for path in files)


def _load_model(
    path: Path,
    model_type: type[SchemaT],
    errors: list[LoadError],
    hints: Mapping[str, str] | None = None,
) -> tuple[SourceDoc | None, SchemaT | None]:
    if not path.exists():
        errors.append(LoadError(str(path), 1, 1, "file not found"))
        return None, None
    doc = load_yaml(path, str(path))
    if isinstance(doc, LoadError):
        errors.append(doc)
        return None, None
    if not isinstance(doc.data, dict):
        errors.append(doc.error((), "expected a mapping at the top of the file"))
        return doc, None
    try:
        return doc, model_type.model_validate(doc.data)
    except ValidationError as error:
        errors.extend(doc.validation_errors(error, hints))
        return doc, None


def _valid(
    docs: list[tuple[SourceDoc | None, schema.FlowsFile | None]],
) -> Iterator[tuple[SourceDoc, schema.FlowsFile]]:
    for doc, flows_file in docs:
        if doc is not None and flows_file is not None:
            yield doc, flows_file


def _collect_flows(
    docs: list[tuple[SourceDoc | None, schema.FlowsFile | None]], errors: list[LoadError]
) -> dict[str, tuple[SourceDoc, schema.FlowSpec]]:
    flows: dict[str, tuple[SourceDoc, schema.FlowSpec]] = {}
    for doc, flows_file in _valid(docs):
        for name, spec in flows_file.flows.items():
            if name in flows:
                first = flows[name][0].error(("flows", name), "")
                errors.append(
                    doc.error(
                        ("flows", name),
                        f"flow '{name}' is already defined at {first.file}:{first.line}",
                        at_key=True,
                    )
                )
                continue
            flows[name] = (doc, spec)
    return flows


def _load_catalogs(
    bot_dir: Path, bot_doc: SourceDoc, bot: schema.BotFile, errors: list[LoadError]
) -> dict[str, _Catalog]:
    catalogs: dict[str, _Catalog] = {}
    for index, locale in enumerate(bot.locales):
        path = bot_dir / "locales" / f"{locale}.yaml"
        if not path.exists():
            errors.append(bot_doc.error(("locales", index), f"no catalog for locale {locale} ({path})"))
            continue
        doc = load_yaml(path, str(path))
        if isinstance(doc, LoadError):
            errors.append(doc)
            continue
        if not isinstance(doc.data, dict):
            errors.append(doc.error((), "a catalog is a mapping of text keys to texts"))
            continue
        own_keys = frozenset(_text_keys(doc, doc.data, (), errors))
        defaults = _system_defaults(locale)
        texts = _merged(defaults, doc.data)
        catalogs[locale] = _Catalog(doc, texts, own_keys, own_keys | _default_keys(locale))
    return catalogs


@cache
def _system_defaults(locale: str) -> dict[str, Any]:
    """The packaged ``system.*`` texts for ``locale``; none for a locale omnicab does not ship."""
    path = SYSTEM_TEXTS_DIR / f"{locale}.yaml"
    if not path.is_file():
        return {}
    doc = load_yaml(path, str(path))
    if isinstance(doc, LoadError) or not isinstance(doc.data, dict):
        raise RuntimeError(f"the packaged system texts {path} are broken: {doc}")
    return doc.data


@cache
def _default_keys(locale: str) -> frozenset[str]:
    doc = SourceDoc(str(SYSTEM_TEXTS_DIR / f"{locale}.yaml"), _system_defaults(locale))
    return frozenset(_text_keys(doc, doc.data, (), []))


def _merged(defaults: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(defaults)
    for key, value in own.items():
        base = merged.get(key)
        if isinstance(base, Mapping) and isinstance(value, Mapping) and not is_plural_entry(value):
            merged[key] = _merged(base, value)
        else:
            merged[key] = value
    return merged


def _missing_system_text(catalogs: dict[str, _Catalog], key: str) -> Iterator[LoadError]:
    for locale, catalog in catalogs.items():
        if key not in catalog.keys:
            section = key.rsplit(".", 1)[0]
            message = (
                f"text '{key}' is missing: omnicab has no default texts for locale {locale}, "
                f"so this catalog defines every system text (see dialogs/system_texts/ru.yaml)"
            )
            yield catalog.doc.error(tuple(section.split(".")), message, at_key=True)


_SYSTEM_KEYS = frozenset(f"system.{role}" for role in schema.SystemTexts.model_fields)


def _untranslated(catalogs: dict[str, _Catalog]) -> Iterator[LoadError]:
    for catalog in catalogs.values():
        for other_locale, other in catalogs.items():
            # A system text missing where omnicab has no default gets its own error, at that catalog.
            for key in sorted(catalog.own_keys - other.keys - _SYSTEM_KEYS):
                message = f"text '{key}' has no translation in locale {other_locale}"
                yield catalog.doc.error(tuple(key.split(".")), message, at_key=True)


def _text_keys(
    doc: SourceDoc, node: dict[str, Any], path: tuple[str, ...], errors: list[LoadError]
) -> Iterator[str]:
    for key, value in node.items():
        here = (*path, str(key))
        if is_plural_entry(value):
            yield ".".join(here)
        elif isinstance(value, dict):
            yield from _text_keys(doc, value, here, errors)
        elif isinstance(value, str):
            yield ".".join(here)
        else:
            errors.append(doc.error(here, "a text must be a string (quote numbers and yes/no)"))


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return types.MappingProxyType({key: _frozen(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value


@dataclass(frozen=True, slots=True)
class BotSources:
    """A sound bot's files as parsed documents and models, for checks that need positions (lint)."""

    bot_doc: SourceDoc
    bot: schema.BotFile
    flows: dict[str, tuple[SourceDoc, schema.FlowSpec]]
    triggers: list[tuple[SourceDoc, int, schema.TriggerSpec]]
    catalogs: dict[str, tuple[SourceDoc, TextCatalog]]
    """Per locale: the bot's catalog file and its texts over the packaged defaults."""


def read_sources(bot_dir: Path) -> BotSources:
    """Parse a bot's files again; call after :func:`load_bot` accepted them."""
    errors: list[LoadError] = []
    bot_doc, bot = _load_model(bot_dir / "bot.yaml", schema.BotFile, errors)
    flow_docs = [
        _load_model(path, schema.FlowsFile, errors) for path in sorted((bot_dir / "flows").glob("*.y*ml"))
    ]
    if bot is None or bot_doc is None:
        raise BotLoadError(errors)
    catalogs = _load_catalogs(bot_dir, bot_doc, bot, errors)
    flows = _collect_flows(flow_docs, errors)
    if errors:
        raise BotLoadError(errors)
    triggers = [
        (doc, index, trigger)
        for doc, flows_file in _valid(flow_docs)
        for index, trigger in enumerate(flows_file.triggers)
    ]
    return BotSources(
        bot_doc,
        bot,
        flows,
        triggers,
        {locale: (c.doc, TextCatalog(c.texts, locale)) for locale, c in catalogs.items()},
    )
