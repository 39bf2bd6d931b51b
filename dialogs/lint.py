"""Warnings about a bot that loads but would go wrong in front of a client (``omnicab validate``).

Each warning names file, line and column, like a load error:

- a template reads a slot that no ask saves, no ``set:`` sets and no action the bot runs sets;
- ``t.<key> | format(...)`` leaves a ``{placeholder}`` of the text unfilled, or passes a parameter
  no locale's text uses (a misspelling that renders «Записали вас на .»);
- a flow nothing leads to;
- a button title longer than a channel the bot serves shows, with what the client would see;
- a text longer than a channel's message (it arrives in pieces);
- a flow that can end with nothing to press: the client is left without a way back to the menu.

Texts are measured as they render with no slots set, so a dynamic part counts as empty: a
warning is certain, its absence is not a proof.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass

from jinja2 import nodes

from adapters.types import Capabilities
from dialogs import schema
from dialogs.errors import LoadError
from dialogs.loader import BotSources
from dialogs.plurals import PluralText
from dialogs.source import SourceDoc
from dialogs.templates import TextCatalog, make_environment

Path_ = tuple[str | int, ...]
Cut = Callable[[str, int], str]
_PLACEHOLDER = re.compile(r"(?<!\{)\{(\w+)(?::\w+)?\}(?!\})")


@dataclass(frozen=True, slots=True)
class _Template:
    doc: SourceDoc
    path: Path_
    source: str
    kind: str
    """``text`` (a message), ``title`` (a button), ``expression`` or ``other``."""
    with_buttons: bool = False


def lint_bot(
    sources: BotSources,
    *,
    action_slots: Mapping[str, frozenset[str]],
    channels: Mapping[str, Capabilities],
    cut: Cut,
) -> list[LoadError]:
    """``action_slots``: the slots each in-process action sets; ``channels``: every channel's limits."""
    linter = _Linter(sources, action_slots, channels, cut)
    warnings = [*linter.slots(), *linter.format_parameters(), *linter.unreachable(), *linter.lengths()]
    warnings.extend(linter.dead_ends())
    return sorted(set(warnings), key=_order)


def _order(warning: LoadError) -> tuple[str, int, int, str]:
    return warning.file, warning.line, warning.column, warning.message


class _Linter:
    def __init__(
        self,
        sources: BotSources,
        action_slots: Mapping[str, frozenset[str]],
        channels: Mapping[str, Capabilities],
        cut: Cut,
    ) -> None:
        self.sources = sources
        self.action_slots = action_slots
        self.channels = {name: channels[name] for name in sources.bot.channels if name in channels}
        self.cut = cut
        self.environment = make_environment()
        self.templates = list(self._templates())

    # ---- slots ------------------------------------------------------------------------------

    def slots(self) -> Iterator[LoadError]:
        known = self._set_slots()
        for template in self.templates:
            for name in sorted(_slot_names(self._parse(template)) - known):
                yield template.doc.error(
                    template.path,
                    f"warning: slot '{name}' is never set: no ask saves it (save_as), no 'set:' step "
                    "sets it and no action the bot runs sets it",
                )
        for doc, path, step in self._steps():
            if isinstance(step, schema.AskStep) and step.ask.choices and step.ask.choices.slot:
                name = step.ask.choices.slot
                if name not in known:
                    yield doc.error(
                        (*path, "ask", "choices", "slot"),
                        f"warning: slot '{name}' is never set, so these choices are always empty: "
                        "no 'set:' step sets it and no action the bot runs sets it",
                    )

    def _set_slots(self) -> frozenset[str]:
        found: set[str] = set()
        server = self.sources.bot.action_server
        if server is not None:
            found.update(server.slots)
        for _, _, step in self._steps():
            match step:
                case schema.AskStep(ask=ask) if ask.save_as:
                    found.add(ask.save_as)
                case schema.SetStep(set=values):
                    found.update(values)
                case schema.ActionStep(action=str() as name):
                    found.update(self.action_slots.get(name, ()))
                case schema.ActionStep(action=schema.ActionBody(name=name)):
                    found.update(self.action_slots.get(name, ()))
        return frozenset(found)

    # ---- format() parameters ----------------------------------------------------------------

    def format_parameters(self) -> Iterator[LoadError]:
        for template in self.templates:
            for key, given in _format_calls(self._parse(template)):
                used: set[str] = set()
                for locale, (doc, catalog) in self.sources.catalogs.items():
                    placeholders = _placeholders(catalog.entry(key))
                    used |= placeholders
                    for name in sorted(placeholders - given):
                        yield template.doc.error(
                            template.path,
                            f"warning: text '{key}' in locale {locale} ({doc.file}) uses {{{name}}}, "
                            f"which this format() does not give (it gives: {_names(given)})",
                        )
                for name in sorted(given - used):
                    yield template.doc.error(
                        template.path,
                        f"warning: format() gives '{name}', which no locale's text '{key}' uses",
                    )

    # ---- reachability -----------------------------------------------------------------------

    def unreachable(self) -> Iterator[LoadError]:
        edges = {name: set(self._targets_of(spec.steps)) for name, (_, spec) in self.sources.flows.items()}
        roots = {self.sources.bot.start}
        if self.sources.bot.fallback is not None and self.sources.bot.fallback.goto:
            roots.add(self.sources.bot.fallback.goto)
        roots.update(trigger.goto for _, _, trigger in self.sources.triggers if trigger.goto)
        seen: set[str] = set()
        pending = [root for root in roots if root in edges]
        while pending:
            name = pending.pop()
            if name not in seen:
                seen.add(name)
                pending.extend(target for target, _ in edges.get(name, ()) if target not in seen)
        for name, (doc, _) in sorted(self.sources.flows.items()):
            if name not in seen:
                yield doc.error(
                    ("flows", name),
                    f"warning: flow '{name}' is never reached: no goto, call, button, trigger or "
                    f"fallback leads to it from the start flow '{self.sources.bot.start}'",
                    at_key=True,
                )

    def _targets_of(self, steps: list[schema.StepSpec]) -> Iterator[tuple[str, bool]]:
        """Flows these steps lead to, each with whether it is reached by ``call`` (and returns)."""
        for step in _walk(steps):
            match step:
                case schema.GotoStep(goto=name):
                    yield name, False
                case schema.CallStep(call=name):
                    yield name, True
                case schema.BranchStep(branch=branch):
                    for arm in (branch.then, branch.else_):
                        if isinstance(arm, str):
                            yield arm, False
                case schema.AskStep(ask=ask):
                    yield from ((button.goto, False) for button in ask.buttons if button.goto)
                    for target in (ask.on_fail, ask.choices.on_error if ask.choices else None):
                        if target is not None and target.goto:
                            yield target.goto, False
                case schema.ActionStep(action=schema.ActionBody(on_error=on_error)) if (
                    on_error and on_error.goto
                ):
                    yield on_error.goto, False

    # ---- flows that leave the client with nothing to press ----------------------------------

    def dead_ends(self) -> Iterator[LoadError]:
        only_called = self._only_called()
        for name, (doc, spec) in sorted(self.sources.flows.items()):
            base: Path_ = ("flows", name, "steps")
            for path in _ends(spec.steps, base):
                if path[-1] != "end" and name in only_called:
                    continue
                yield doc.error(
                    path[:-1] if path[-1] in {"end", "last"} else path,
                    f"warning: flow '{name}' can end here with nothing for the client to press: end it "
                    f"with 'goto: {self.sources.bot.start}' or an ask with buttons",
                )

    def _only_called(self) -> frozenset[str]:
        """Flows reached only by ``call``: when they end, the flow that called them goes on."""
        called: set[str] = set()
        entered: set[str] = {self.sources.bot.start}
        if self.sources.bot.fallback is not None and self.sources.bot.fallback.goto:
            entered.add(self.sources.bot.fallback.goto)
        entered.update(trigger.goto for _, _, trigger in self.sources.triggers if trigger.goto)
        for _, spec in self.sources.flows.values():
            for target, by_call in self._targets_of(spec.steps):
                (called if by_call else entered).add(target)
        return frozenset(called - entered)

    # ---- lengths per channel ----------------------------------------------------------------

    def lengths(self) -> Iterator[LoadError]:
        for template in self.templates:
            if template.kind not in {"text", "title"}:
                continue
            for locale, (_, catalog) in self.sources.catalogs.items():
                rendered = self._render(template, catalog)
                if rendered is None:
                    continue
                for channel, caps in self.channels.items():
                    if template.kind == "title":
                        yield from self._title_length(template, rendered, locale, channel, caps)
                    else:
                        yield from self._text_length(template, rendered, locale, channel, caps)

    def _title_length(
        self, template: _Template, title: str, locale: str, channel: str, caps: Capabilities
    ) -> Iterator[LoadError]:
        limit, where = (
            (caps.list_row_title, "a list row") if caps.supports_list else (caps.max_button_title, "a button")
        )
        if len(title) > limit:
            yield template.doc.error(
                template.path,
                f"warning: button title «{title}» ({locale}) is {len(title)} characters; {channel} shows "
                f"{limit} in {where}, cut to «{self.cut(title, limit)}»",
            )

    def _text_length(
        self, template: _Template, text: str, locale: str, channel: str, caps: Capabilities
    ) -> Iterator[LoadError]:
        limit = caps.max_text_length
        if template.with_buttons and caps.max_text_with_buttons is not None:
            limit = min(limit, caps.max_text_with_buttons)
        if len(text) > limit:
            carrying = " with buttons" if limit != caps.max_text_length else ""
            yield template.doc.error(
                template.path,
                f"warning: text ({locale}) is {len(text)} characters, over {channel}'s {limit} for a "
                f"message{carrying}: it arrives split into several messages",
            )

    def _render(self, template: _Template, catalog: TextCatalog) -> str | None:
        try:
            compiled = self.environment.from_string(template.source)
            return str(compiled.render({"t": catalog, "slots": {}, "client": {}})).strip()
        except Exception:  # a template that needs data to render cannot be measured statically
            return None

    # ---- walking the flows ------------------------------------------------------------------

    def _parse(self, template: _Template) -> nodes.Template:
        source = "{{ " + template.source + " }}" if template.kind == "expression" else template.source
        return self.environment.parse(source)

    def _steps(self) -> Iterator[tuple[SourceDoc, Path_, schema.StepSpec]]:
        for name, (doc, spec) in self.sources.flows.items():
            for path, step in _walk_with_paths(spec.steps, ("flows", name, "steps")):
                yield doc, path, step

    def _templates(self) -> Iterator[_Template]:
        for doc, path, step in self._steps():
            match step:
                case schema.SayStep(say=str() as text):
                    yield _Template(doc, (*path, "say"), text, "text")
                case schema.SayStep(say=schema.SayBody(text=text)) if text:
                    yield _Template(doc, (*path, "say", "text"), text, "text")
                case schema.AskStep(ask=ask):
                    yield from _ask_templates(doc, (*path, "ask"), ask)
                case schema.BranchStep(branch=branch):
                    yield _Template(doc, (*path, "branch", "if"), branch.if_, "expression")
                case schema.HandoffStep(handoff=handoff) if handoff.note:
                    yield _Template(doc, (*path, "handoff", "note"), handoff.note, "other")
                case schema.SetStep(set=values):
                    for name, value in values.items():
                        if isinstance(value, str) and ("{{" in value or "{%" in value):
                            yield _Template(doc, (*path, "set", name), value, "other")


def _ask_templates(doc: SourceDoc, path: Path_, ask: schema.AskBody) -> Iterator[_Template]:
    with_buttons = bool(ask.buttons or ask.choices)
    yield _Template(doc, (*path, "text"), ask.text, "text", with_buttons)
    for index, button in enumerate(ask.buttons):
        yield _Template(doc, (*path, "buttons", index, "title"), button.title, "title")
    if ask.contact_button:
        yield _Template(doc, (*path, "contact_button"), ask.contact_button, "title")
    if ask.choices is not None:
        for field in ("title", "description", "value"):
            source = getattr(ask.choices, field)
            if source:
                yield _Template(doc, (*path, "choices", field), source, "other")


def _walk(steps: list[schema.StepSpec]) -> Iterator[schema.StepSpec]:
    for _, step in _walk_with_paths(steps, ()):
        yield step


def _walk_with_paths(steps: list[schema.StepSpec], base: Path_) -> Iterator[tuple[Path_, schema.StepSpec]]:
    for index, step in enumerate(steps):
        here = (*base, index)
        yield here, step
        if isinstance(step, schema.BranchStep):
            for arm, key in ((step.branch.then, "then"), (step.branch.else_, "else")):
                if isinstance(arm, list):
                    yield from _walk_with_paths(arm, (*here, "branch", key))


def _ends(steps: list[schema.StepSpec], base: Path_) -> Iterator[Path_]:
    """Where these steps can stop with nothing to press: an ``end`` step, or falling off the list.

    A path ends with ``"end"`` (an end step), ``"last"`` (the last step of the list) or is the
    position of an empty list. Falling off a branch arm continues after the branch, so only the
    outermost list's falling off counts.
    """
    falls_through = yield from _through(steps, base)
    if falls_through:
        yield (*base, len(steps) - 1, "last") if steps else base


def _through(steps: list[schema.StepSpec], base: Path_) -> Generator[Path_, None, bool]:
    """Yield the ``end`` steps inside; return whether execution can go past the last step."""
    for index, step in enumerate(steps):
        here = (*base, index)
        match step:
            case schema.EndStep():
                yield (*here, "end")
                return False
            case schema.GotoStep() | schema.HandoffStep():
                return False
            case schema.AskStep(ask=ask) if _only_buttons_leave(ask):
                return False
            case schema.BranchStep(branch=branch):
                then_through = yield from _arm(branch.then, (*here, "branch", "then"))
                else_through = yield from _arm(branch.else_, (*here, "branch", "else"))
                if not (then_through or else_through):
                    return False
    return True


def _arm(arm: str | list[schema.StepSpec], base: Path_) -> Generator[Path_, None, bool]:
    if isinstance(arm, str):
        return False
    if not arm:
        return True
    through = yield from _through(arm, base)
    return through


def _only_buttons_leave(ask: schema.AskBody) -> bool:
    """An ask whose every answer leaves by a button's goto or handoff."""
    if ask.expect is not None or ask.choices is not None or not ask.buttons:
        return False
    return all(button.goto or button.handoff for button in ask.buttons)


def _slot_names(ast: nodes.Template) -> set[str]:
    found: set[str] = set()
    for node in ast.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and node.node.name == "slots":
            found.add(node.attr)
    for item in ast.find_all(nodes.Getitem):
        if (
            isinstance(item.node, nodes.Name)
            and item.node.name == "slots"
            and isinstance(item.arg, nodes.Const)
            and isinstance(item.arg.value, str)
        ):
            found.add(item.arg.value)
    return found


def _format_calls(ast: nodes.Template) -> Iterator[tuple[str, frozenset[str]]]:
    """Each ``t.<key> | format(name=...)`` with a fixed key: the key and the parameters given."""
    for node in ast.find_all(nodes.Filter):
        if node.name != "format" or node.args or node.dyn_kwargs is not None:
            continue
        target = node.node
        while isinstance(target, nodes.Filter) and target.name in {"plural", "trim"}:
            target = target.node
        key = _text_key(target) if target is not None else None
        if key:
            keywords: list[nodes.Node] = list(node.kwargs)
            yield key, frozenset(keyword.key for keyword in keywords if isinstance(keyword, nodes.Keyword))


def _text_key(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Name):
        return "" if node.name == "t" else None
    if isinstance(node, nodes.Getattr):
        parent = _text_key(node.node)
        return None if parent is None else f"{parent}.{node.attr}".lstrip(".")
    return None


def _names(given: frozenset[str]) -> str:
    return ", ".join(sorted(given)) or "none"


def _placeholders(entry: str | PluralText | None) -> set[str]:
    if entry is None:
        return set()
    texts = entry.forms.values() if isinstance(entry, PluralText) else [entry]
    return {name for text in texts for name in _PLACEHOLDER.findall(text)}
