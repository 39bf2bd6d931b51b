"""The flow graph of a compiled bot: which flow leads where, and how.

Flows are the nodes, with the people the bot hands off to, the end of the dialog and the
triggers that lead in from anywhere; an edge says how one gets there: a button (its title in
the bot's default locale), a `goto` or `call` (with the `branch` condition it sits under), an
action's or a list's `on_error`, an ask's `on_fail`, a handoff. A pure function of the model, so
`omnicab graph` and the simulator draw the same thing (:mod:`dialogs.graph_mermaid`,
:mod:`dialogs.graph_svg`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from dialogs import model

NodeKind = Literal["flow", "handoff", "end", "trigger", "fallback"]
EdgeKind = Literal["button", "goto", "call", "on_error", "on_fail", "handoff", "end", "trigger", "fallback"]

END_NODE = "end_of_dialog"
"""Not `end`, a word Mermaid keeps for itself."""
FALLBACK_NODE = "fallback"
"""Where free text no ask, button or trigger takes goes."""


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    kind: NodeKind
    label: str
    details: tuple[str, ...] = ()
    """For a flow: what it does on the way (its asks and actions), one short line each."""


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    kind: EdgeKind
    label: str = ""


@dataclass(frozen=True, slots=True)
class FlowGraph:
    bot: str
    start: str
    """The id of the start flow's node."""
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node(self, node_id: str) -> Node:
        return next(node for node in self.nodes if node.id == node_id)

    def edges_between(self, source: str, target: str) -> list[Edge]:
        return [edge for edge in self.edges if edge.source == source and edge.target == target]


def flow_id(name: str) -> str:
    return f"flow_{name}"


def handoff_id(queue: str) -> str:
    return f"handoff_{queue}"


def flow_graph(bot: model.CompiledBot) -> FlowGraph:
    builder = _Builder(bot)
    for flow in bot.flows.values():
        builder.flow(flow)
    for index, trigger in enumerate(bot.triggers):
        builder.trigger(index, trigger)
    builder.nodes[FALLBACK_NODE] = Node(FALLBACK_NODE, "fallback", "fallback")
    builder.edge(FALLBACK_NODE, bot.fallback, "fallback", "")
    return FlowGraph(bot.name, flow_id(bot.start_flow), tuple(builder.nodes.values()), tuple(builder.edges))


@dataclass
class _Builder:
    bot: model.CompiledBot
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in self.bot.flows:
            self.nodes[flow_id(name)] = Node(flow_id(name), "flow", name)

    def add_edge(self, edge: Edge) -> None:
        if edge not in self.edges:
            self.edges.append(edge)

    def edge(self, source: str, target: model.Target, kind: EdgeKind, label: str) -> None:
        if target.handoff is not None:
            self.handoff(source, target.handoff, kind, label)
        elif target.goto is not None:
            self.add_edge(Edge(source, flow_id(target.goto), kind, label))

    def handoff(self, source: str, handoff: model.Handoff, kind: EdgeKind, label: str) -> None:
        node = handoff_id(handoff.queue)
        self.nodes.setdefault(node, Node(node, "handoff", handoff.queue))
        self.add_edge(Edge(source, node, kind, label or handoff.reason))

    def flow(self, flow: model.Flow) -> None:
        source = flow_id(flow.name)
        details: list[str] = []
        for index, step in enumerate(flow.steps):
            condition = _condition(flow.steps, index)
            match step:
                case model.Ask():
                    details.append(_ask_detail(step))
                    self.ask(source, step)
                case model.Goto(flow=target):
                    self.add_edge(Edge(source, flow_id(target), "goto", condition))
                case model.Call(flow=target):
                    self.add_edge(Edge(source, flow_id(target), "call", condition))
                case model.RunAction(name=name, on_error=on_error):
                    details.append(f"action: {name}")
                    if on_error is not None:
                        self.edge(source, on_error, "on_error", name)
                case model.HandOff(handoff=handoff):
                    self.handoff(source, handoff, "handoff", condition)
                case model.End():
                    self.nodes.setdefault(END_NODE, Node(END_NODE, "end", "end"))
                    self.add_edge(Edge(source, END_NODE, "end", condition))
        self.nodes[source] = Node(source, "flow", flow.name, tuple(details))

    def ask(self, source: str, ask: model.Ask) -> None:
        for choice in ask.choices:
            title = self.title(choice.title)
            if choice.handoff is not None:
                self.handoff(source, choice.handoff, "button", title)
            elif choice.goto is not None:
                self.add_edge(Edge(source, flow_id(choice.goto), "button", title))
        if ask.on_fail is not None:
            self.edge(source, ask.on_fail, "on_fail", f"{ask.max_attempts} ×")
        if ask.listing is not None and ask.listing.on_error is not None:
            self.edge(source, ask.listing.on_error, "on_error", ask.listing.source)

    def trigger(self, index: int, trigger: model.Trigger) -> None:
        node = f"trigger_{index}"
        self.nodes[node] = Node(node, "trigger", ", ".join(sorted(trigger.phrases)))
        self.edge(node, trigger.target, "trigger", "")

    def title(self, template: model.Template) -> str:
        """A button's title as a client of the default locale reads it (its source when that fails)."""
        catalog = self.bot.catalog(self.bot.default_locale)
        try:
            text = template.render({"t": catalog, "client": {}, "slots": {}}).strip()
        except Exception:
            return template.source
        return text or template.source


def _ask_detail(ask: model.Ask) -> str:
    if ask.listing is not None:
        return f"choose: {ask.listing.source}"
    if ask.save_as:
        return f"ask: {ask.save_as}"
    return "ask"


def _condition(steps: tuple[model.Step, ...], index: int) -> str:
    """The condition of the innermost `branch` arm the step at ``index`` is in, '' outside any."""
    found = ""
    for position, arm_start, arm_end, condition in _arms(steps):
        if arm_start <= index < arm_end and position < index:
            found = condition
    return found


def _arms(steps: tuple[model.Step, ...]) -> Iterator[tuple[int, int, int, str]]:
    """(branch index, arm start, arm end, condition) for each `then` and `else` arm, outermost first."""
    for position, step in enumerate(steps):
        if not isinstance(step, model.Branch):
            continue
        condition = step.condition.source
        before_else = steps[step.else_step - 1] if step.else_step - 1 > position else None
        if isinstance(before_else, model.Jump) and before_else.step > step.else_step:
            yield position, position + 1, step.else_step - 1, condition
            yield position, step.else_step, before_else.step, f"not ({condition})"
        else:
            yield position, position + 1, step.else_step, condition
