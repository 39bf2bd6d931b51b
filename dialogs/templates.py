"""Jinja2 in the immutable sandbox, plain text out, compiled once at load.

Unknown data renders empty (``ChainableUndefined``): slots are optional by nature. Typos are
caught at load instead: only ``t``, ``client`` and ``slots`` may be named, and every
``t.<key>`` must exist in every locale's catalog.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError, Undefined, nodes, pass_context
from jinja2.meta import find_undeclared_variables
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from dialogs.dates import DEFAULT_ZONE, format_moment
from dialogs.declension import CASES, decline_name
from dialogs.plurals import PluralText, is_plural_entry

CONTEXT_NAMES = frozenset({"t", "client", "slots"})
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\w+)(?::(\w+))?\}")


def format_text(value: Any, *args: Any, **params: Any) -> str:
    """Fill ``{name}`` placeholders of a catalog text; ``%s`` style when given positional args.

    Deliberately not ``str.format``: a placeholder can only name a parameter, never reach into
    attributes of the values. ``{lawyer:ins}`` puts a person's name in a grammatical case
    (:mod:`dialogs.declension`): «Разговор с юристом {lawyer:ins}». A plural text not yet
    decided by ``| plural(n)`` takes its form from the ``count`` parameter, or from the only
    numeric one (``system.too_short``'s ``min``).
    """
    if isinstance(value, PluralText):
        value = value.choose(_plural_count(params))
    text = str(value)
    if args and not params:
        return text % args

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        found = params.get(match.group(1))
        if found is None or isinstance(found, ChainableUndefined):
            return ""
        case = match.group(2)
        if case and case.lower() in CASES:
            return decline_name(str(found), case)
        return str(found)

    return _PLACEHOLDER.sub(replace, text)


def _plural_count(params: Mapping[str, Any]) -> Any:
    if "count" in params:
        return params["count"]
    numbers = [
        value for value in params.values() if isinstance(value, int | float) and not isinstance(value, bool)
    ]
    return numbers[0] if len(numbers) == 1 else None


_BOT_ZONE = "_bot_time_zone"
"""Where a bot's environment keeps its ``time_zone``: the zone dates show in when the client's is not
known. A global no template can name (only ``t``, ``client`` and ``slots`` pass the compiler)."""


def make_environment(time_zone: str = DEFAULT_ZONE) -> ImmutableSandboxedEnvironment:
    environment = ImmutableSandboxedEnvironment(
        autoescape=False, undefined=ChainableUndefined, keep_trailing_newline=False
    )
    environment.globals[_BOT_ZONE] = time_zone
    environment.filters["format"] = format_text
    environment.filters["case"] = name_case
    environment.filters["plural"] = plural_form
    environment.filters["datetime"] = moment_text
    environment.filters["date"] = date_text
    return environment


@pass_context
def moment_text(context: Context, value: Any, zone: str | None = None) -> str:
    """``{{ slots.visit_at | datetime }}``: «27 ноября в 15:00», with «по Москве» for a client whose
    time zone is not known (:mod:`dialogs.dates`); shown in the bot's ``time_zone`` then, or ``zone``."""
    return format_moment(
        value, _locale(context), client_zone=_client_zone(context), zone=zone or _bot_zone(context)
    )


@pass_context
def date_text(context: Context, value: Any, zone: str | None = None) -> str:
    """``{{ slots.due | date }}``: «27 ноября»."""
    return format_moment(
        value,
        _locale(context),
        client_zone=_client_zone(context),
        zone=zone or _bot_zone(context),
        date_only=True,
    )


def _bot_zone(context: Context) -> str:
    zone = context.environment.globals.get(_BOT_ZONE)
    return zone if isinstance(zone, str) else DEFAULT_ZONE


def _locale(context: Context) -> str:
    catalog = context.get("t")
    return catalog.locale if isinstance(catalog, TextCatalog) else "ru"


def _client_zone(context: Context) -> str | None:
    client = context.get("client")
    zone = client.get("time_zone") if isinstance(client, Mapping) else None
    return zone if isinstance(zone, str) else None


def name_case(value: Any, case: str) -> Any:
    """``{{ lawyer.name | case('ins') }}``: «Иван Смирнов» -> «Иваном Смирновым»; no name, nothing."""
    if value is None or isinstance(value, Undefined) or not str(value).strip():
        return value
    return decline_name(str(value), case)


def plural_form(value: Any, count: Any) -> Any:
    """``{{ t.requests.earlier | plural(n) | format(count=n) }}``: the form of a plural text for ``n``."""
    return value.choose(count) if isinstance(value, PluralText) else value


class TextCatalog:
    """One locale's texts for templates: ``t.key`` and ``t.section.key``, no dict methods in the way.

    ``locale`` is what the locale-aware filters (``plural``, ``case``, ``datetime``) read from ``t``.
    """

    __slots__ = ("_entries", "locale")

    def __init__(self, entries: Mapping[str, Any], locale: str = "ru") -> None:
        object.__setattr__(self, "locale", locale)
        object.__setattr__(
            self,
            "_entries",
            {key: _entry(value, locale) for key, value in entries.items()},
        )

    def __getattr__(self, name: str) -> Any:
        try:
            return self._entries[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self._entries[name]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a text catalog is read-only")

    def lookup(self, dotted_key: str) -> str | None:
        found = self.entry(dotted_key)
        return str(found) if found is not None else None

    def entry(self, dotted_key: str) -> str | PluralText | None:
        """The text at ``dotted_key``, a plural one still undecided (see :func:`format_text`)."""
        node: Any = self
        for part in dotted_key.split("."):
            if not isinstance(node, TextCatalog) or part not in node._entries:
                return None
            node = node._entries[part]
        return node if isinstance(node, str | PluralText) else None


def _entry(value: Any, locale: str) -> Any:
    if is_plural_entry(value):
        return PluralText(dict(value), locale)
    if isinstance(value, Mapping):
        return TextCatalog(value, locale)
    return value


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    """What a template refers to, for load-time checks."""

    text_keys: frozenset[str] = frozenset()
    text_sections: frozenset[str] = frozenset()
    """Sections looked up with a computed key (``t.topics[slots.topic]``): they must exist."""
    unknown_names: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Template:
    source: str
    compiled: Any = field(repr=False, compare=False)

    def render(self, context: Mapping[str, Any]) -> str:
        return str(self.compiled.render(context)).strip()


@dataclass(frozen=True, slots=True)
class Expression:
    source: str
    compiled: Any = field(repr=False, compare=False)

    def evaluate(self, context: Mapping[str, Any]) -> bool:
        return bool(self.compiled(**context))


class TemplateCompileError(ValueError):
    pass


def compile_template(
    environment: ImmutableSandboxedEnvironment, source: str
) -> tuple[Template, TemplateInfo]:
    ast = _parse(environment, source)
    _check_cases(ast)
    compiled = environment.from_string(ast)
    # Jinja keeps a template's globals as a ChainMap over the environment's and copies it into
    # every render's context (twice: the variables and their names); a bot's environment is
    # complete before its templates compile, so one plain dict serves every render.
    compiled.globals = dict(compiled.globals)
    return Template(source, compiled), _inspect(ast)


def compile_expression(
    environment: ImmutableSandboxedEnvironment, source: str
) -> tuple[Expression, TemplateInfo]:
    ast = _parse(environment, "{{ " + source + " }}")
    _check_cases(ast)
    try:
        compiled = environment.compile_expression(source, undefined_to_none=True)
    except TemplateSyntaxError as error:
        raise TemplateCompileError(f"bad expression: {error.message}") from error
    return Expression(source, compiled), _inspect(ast)


def _parse(environment: ImmutableSandboxedEnvironment, source: str) -> nodes.Template:
    try:
        return environment.parse(source)
    except TemplateSyntaxError as error:
        where = f" (template line {error.lineno})" if "\n" in source.strip() else ""
        raise TemplateCompileError(f"bad template: {error.message}{where}") from error


def _check_cases(ast: nodes.Template) -> None:
    for node in ast.find_all(nodes.Filter):
        if node.name == "case" and node.args and isinstance(node.args[0], nodes.Const):
            case = node.args[0].value
            if str(case).lower() not in CASES:
                raise TemplateCompileError(
                    f"unknown case '{case}' (use one of: nom, gen, dat, acc, ins, pre)"
                )


def _inspect(ast: nodes.Template) -> TemplateInfo:
    keys = {key for key in _text_key_chains(ast) if key}
    sections = {
        section
        for node in ast.find_all(nodes.Getitem)
        if not isinstance(node.arg, nodes.Const) and (section := _chain(node.node))
    }
    maximal = {key for key in keys - sections if not any(other.startswith(key + ".") for other in keys)}
    unknown = frozenset(find_undeclared_variables(ast) - CONTEXT_NAMES)
    return TemplateInfo(frozenset(maximal), frozenset(sections), unknown)


def _text_key_chains(ast: nodes.Template) -> Iterator[str]:
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        chain = _chain(node)
        if chain is not None:
            yield chain


def _chain(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Name):
        return "" if node.name == "t" else None
    if isinstance(node, nodes.Getattr):
        parent = _chain(node.node)
        return None if parent is None else f"{parent}.{node.attr}".lstrip(".")
    if (
        isinstance(node, nodes.Getitem)
        and isinstance(node.arg, nodes.Const)
        and isinstance(node.arg.value, str)
    ):
        parent = _chain(node.node)
        return None if parent is None else f"{parent}.{node.arg.value}".lstrip(".")
    return None
