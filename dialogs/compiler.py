"""Turns validated YAML models into :mod:`dialogs.model`, checking every reference.

Errors are collected, never raised one by one, so a designer sees them all at once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment

from dialogs import model, schema
from dialogs.errors import LoadError
from dialogs.keywords import words_of
from dialogs.source import SourceDoc
from dialogs.suggest import did_you_mean
from dialogs.templates import TemplateCompileError, TemplateInfo, compile_expression, compile_template

Path_ = tuple[str | int, ...]


class Compiler:
    def __init__(
        self,
        environment: ImmutableSandboxedEnvironment,
        flow_names: frozenset[str],
        action_names: frozenset[str],
        catalogs: Mapping[str, tuple[str, frozenset[str]]],
    ) -> None:
        """``catalogs`` maps a locale to (its file name, its text keys)."""
        self.environment = environment
        self.flow_names = flow_names
        self.action_names = action_names
        self.catalogs = catalogs
        self.errors: list[LoadError] = []

    # ---- references -------------------------------------------------------------------------

    def flow_ref(self, doc: SourceDoc, name: str, path: Path_) -> str:
        if name not in self.flow_names:
            known = ", ".join(sorted(self.flow_names)) or "none"
            hint = did_you_mean(name, self.flow_names)
            self.errors.append(doc.error(path, f"unknown flow '{name}'{hint} (known flows: {known})"))
        return name

    def action_ref(self, doc: SourceDoc, name: str, path: Path_) -> str:
        if name not in self.action_names:
            known = ", ".join(sorted(self.action_names)) or "none"
            hint = did_you_mean(name, self.action_names)
            self.errors.append(doc.error(path, f"unknown action '{name}'{hint} (known actions: {known})"))
        return name

    def text_key(self, doc: SourceDoc, key: str, path: Path_) -> str:
        for locale, (file, keys) in self.catalogs.items():
            if key not in keys:
                hint = did_you_mean(key, keys)
                self.errors.append(
                    doc.error(path, f"text '{key}' is missing in locale {locale} ({file}){hint}")
                )
        return key

    def template(
        self, doc: SourceDoc, source: str, path: Path_, names: frozenset[str] = frozenset()
    ) -> model.Template | None:
        """``names``: what this template may name beyond ``t``, ``client`` and ``slots``."""
        try:
            compiled, info = compile_template(self.environment, source)
        except TemplateCompileError as error:
            self.errors.append(doc.error(path, str(error)))
            return None
        self._check_info(doc, info, path, names)
        return compiled

    def expression(self, doc: SourceDoc, source: str, path: Path_) -> model.Expression | None:
        try:
            compiled, info = compile_expression(self.environment, source)
        except TemplateCompileError as error:
            self.errors.append(doc.error(path, str(error)))
            return None
        self._check_info(doc, info, path)
        return compiled

    def _check_info(
        self, doc: SourceDoc, info: TemplateInfo, path: Path_, names: frozenset[str] = frozenset()
    ) -> None:
        known = " or ".join(
            ["t.<text>, slots.<name>", "client.<field>", *sorted(f"{name}.<field>" for name in names)]
        )
        for name in sorted(info.unknown_names - names):
            self.errors.append(doc.error(path, f"unknown name '{name}' in template (use {known})"))
        for key in sorted(info.text_keys):
            self.text_key(doc, key, path)
        for section in sorted(info.text_sections):
            for locale, (file, keys) in self.catalogs.items():
                if not any(key.startswith(section + ".") for key in keys):
                    self.errors.append(
                        doc.error(path, f"text section '{section}' is missing in locale {locale} ({file})")
                    )

    def regex(self, doc: SourceDoc, source: str, path: Path_) -> re.Pattern[str] | None:
        try:
            return re.compile(source)
        except re.error as error:
            self.errors.append(doc.error(path, f"bad regex: {error}"))
            return None

    # ---- pieces -----------------------------------------------------------------------------

    def handoff(self, doc: SourceDoc, spec: schema.HandoffSpec, path: Path_) -> model.Handoff:
        note = self.template(doc, spec.note, (*path, "note")) if spec.note is not None else None
        return model.Handoff(spec.queue, spec.reason, note)

    def target(
        self, doc: SourceDoc, goto: str | None, handoff: schema.HandoffSpec | None, path: Path_
    ) -> model.Target:
        if goto is not None:
            return model.Target(goto=self.flow_ref(doc, goto, (*path, "goto")))
        assert handoff is not None
        return model.Target(handoff=self.handoff(doc, handoff, (*path, "handoff")))

    def trigger(self, doc: SourceDoc, spec: schema.TriggerSpec, path: Path_) -> model.Trigger:
        phrases = frozenset(normalize_phrase(phrase) for phrase in spec.match)
        words = tuple(
            dict.fromkeys(words_of(phrase) for phrase in sorted(phrases) if not phrase.startswith("/"))
        )
        return model.Trigger(phrases, self.target(doc, spec.goto, spec.handoff, path), words)

    def flow(self, doc: SourceDoc, name: str, spec: schema.FlowSpec) -> model.Flow:
        steps: list[model.Step | None] = []
        self._emit(doc, spec.steps, ("flows", name, "steps"), steps)
        return model.Flow(name, tuple(step for step in steps if step is not None))

    def _emit(
        self, doc: SourceDoc, specs: Sequence[schema.StepSpec], path: Path_, out: list[model.Step | None]
    ) -> None:
        for index, spec in enumerate(specs):
            here = (*path, index)
            if isinstance(spec, schema.BranchStep):
                self._emit_branch(doc, spec.branch, (*here, "branch"), out)
            else:
                out.append(self._step(doc, spec, here))

    def _emit_branch(
        self, doc: SourceDoc, spec: schema.BranchBody, path: Path_, out: list[model.Step | None]
    ) -> None:
        condition = self.expression(doc, spec.if_, (*path, "if"))
        branch_at = len(out)
        out.append(None)
        self._emit_arm(doc, spec.then, (*path, "then"), out)
        else_start = len(out)
        if spec.else_:
            jump_at = len(out)
            out.append(None)
            else_start = len(out)
            self._emit_arm(doc, spec.else_, (*path, "else"), out)
            out[jump_at] = model.Jump(len(out))
        if condition is not None:
            out[branch_at] = model.Branch(condition, else_start)
        else:
            out[branch_at] = model.Jump(branch_at + 1)

    def _emit_arm(
        self, doc: SourceDoc, arm: str | list[schema.StepSpec], path: Path_, out: list[model.Step | None]
    ) -> None:
        if isinstance(arm, str):
            out.append(model.Goto(self.flow_ref(doc, arm, path)))
        else:
            self._emit(doc, arm, path, out)

    def _step(self, doc: SourceDoc, spec: schema.StepSpec, path: Path_) -> model.Step:
        match spec:
            case schema.SayStep(say=str() as text):
                return model.Say(self.template(doc, text, (*path, "say")))
            case schema.SayStep(say=schema.SayBody() as body):
                return self._say(doc, body, (*path, "say"))
            case schema.AskStep(ask=body):
                return self._ask(doc, body, (*path, "ask"))
            case schema.GotoStep(goto=name):
                return model.Goto(self.flow_ref(doc, name, (*path, "goto")))
            case schema.CallStep(call=name):
                return model.Call(self.flow_ref(doc, name, (*path, "call")))
            case schema.ActionStep(action=str() as name):
                return model.RunAction(self.action_ref(doc, name, (*path, "action")))
            case schema.ActionStep(action=schema.ActionBody() as body):
                on_error = None
                if body.on_error is not None:
                    where = (*path, "action", "on_error")
                    on_error = self.target(doc, body.on_error.goto, body.on_error.handoff, where)
                return model.RunAction(self.action_ref(doc, body.name, (*path, "action", "name")), on_error)
            case schema.HandoffStep(handoff=handoff):
                return model.HandOff(self.handoff(doc, handoff, (*path, "handoff")))
            case schema.SetStep(set=values):
                return model.SetSlots(
                    tuple(
                        (name, self._set_value(doc, value, (*path, "set", name)))
                        for name, value in values.items()
                    )
                )
            case schema.EndStep():
                return model.End()
        raise AssertionError(f"unhandled step {spec!r}")

    def _set_value(self, doc: SourceDoc, value: Any, path: Path_) -> Any:
        if isinstance(value, str) and ("{{" in value or "{%" in value):
            return self.template(doc, value, path)
        return value

    def _say(self, doc: SourceDoc, body: schema.SayBody, path: Path_) -> model.Say:
        text = self.template(doc, body.text, (*path, "text")) if body.text else None
        attachment = None
        if body.attachment is not None:
            spec = body.attachment
            attachment = model.AttachmentLink(spec.url, spec.kind, spec.file_name, spec.mime_type)
        if not body.text and body.attachment is None:
            self.errors.append(doc.error(path, "a 'say' needs a text or an attachment"))
        return model.Say(text, attachment)

    def _ask(self, doc: SourceDoc, body: schema.AskBody, path: Path_) -> model.Ask:
        listing = None
        if body.choices is not None:
            listing = self._listing(doc, body.choices, (*path, "choices"))
        text = self.template(doc, body.text, (*path, "text"), _PAGE if listing is not None else frozenset())
        choices = tuple(
            self._choice(doc, button, (*path, "buttons", index)) for index, button in enumerate(body.buttons)
        )
        pattern = self.regex(doc, body.pattern, (*path, "pattern")) if body.pattern is not None else None
        if body.invalid is not None:
            self.text_key(doc, body.invalid, (*path, "invalid"))
        on_fail = None
        if body.on_fail is not None:
            on_fail = self.target(doc, body.on_fail.goto, body.on_fail.handoff, (*path, "on_fail"))
        contact_button = None
        if body.contact_button is not None:
            contact_button = self.template(doc, body.contact_button, (*path, "contact_button"))
        offers_choices = bool(body.buttons) or listing is not None
        expect = body.expect if body.expect is not None or offers_choices else "text"
        return model.Ask(
            text=text or _EMPTY,
            choices=choices,
            listing=listing,
            expect=expect,
            save_as=body.save_as,
            min_length=body.min_length,
            max_length=body.max_length,
            pattern=pattern,
            minimum=body.min,
            maximum=body.max,
            future=body.future,
            invalid=body.invalid,
            max_attempts=body.max_attempts,
            on_fail=on_fail,
            contact_button=contact_button,
            shape=_shape(body),
        )

    def _listing(self, doc: SourceDoc, spec: schema.ChoicesSpec, path: Path_) -> model.ChoiceList:
        description = None
        if spec.description is not None:
            description = self.template(doc, spec.description, (*path, "description"), _ITEM)
        on_error = None
        if spec.on_error is not None:
            on_error = self.target(doc, spec.on_error.goto, spec.on_error.handoff, (*path, "on_error"))
        return model.ChoiceList(
            action=self.action_ref(doc, spec.from_, (*path, "from")) if spec.from_ is not None else None,
            slot=spec.slot,
            title=self.template(doc, spec.title, (*path, "title"), _ITEM) or _EMPTY,
            value=self.template(doc, spec.value, (*path, "value"), _ITEM) or _EMPTY,
            description=description,
            per_page=spec.per_page,
            on_error=on_error,
        )

    def _choice(self, doc: SourceDoc, spec: schema.ButtonSpec, path: Path_) -> model.Choice:
        title = self.template(doc, spec.title, (*path, "title"))
        goto = self.flow_ref(doc, spec.goto, (*path, "goto")) if spec.goto is not None else None
        handoff = self.handoff(doc, spec.handoff, (*path, "handoff")) if spec.handoff is not None else None
        return model.Choice(title or _EMPTY, spec.value, goto, handoff)


def _shape(body: schema.AskBody) -> str:
    """What an answer to this ask means, without its texts, which may change under a client."""
    meaning = body.model_dump_json(
        by_alias=True,
        exclude={
            "text": True,
            "invalid": True,
            "contact_button": True,
            "buttons": {"__all__": {"title"}},
            "choices": {"title", "description"},
        },
    )
    return hashlib.blake2b(meaning.encode(), digest_size=6).hexdigest()


_EMPTY = model.Template("", None)
_ITEM = frozenset({"item"})
_PAGE = frozenset({"page"})


_EDGE_PUNCTUATION = re.compile(r"^[^\w/]+|[^\w/]+$")


def normalize_phrase(text: str) -> str:
    """How typed text meets a trigger or a button title: ``Здравствуйте!`` is ``здравствуйте``.

    Case, ``ё``, repeated spaces and punctuation or emoji around the words do not count.
    """
    folded = " ".join(text.split()).casefold().replace("ё", "е")
    return _EDGE_PUNCTUATION.sub("", folded)
