"""A flow graph as Mermaid text (`flowchart TD`), which GitHub, GitLab and most editors draw."""

from __future__ import annotations

from dialogs.graph import Edge, FlowGraph, Node

_ARROWS = {"call": "-.->", "on_error": "-.->", "on_fail": "-.->", "trigger": "==>", "fallback": "-.->"}


def mermaid(graph: FlowGraph) -> str:
    lines = ["flowchart TD"]
    lines += [f"  {_shape(node, graph.start)}" for node in graph.nodes]
    lines += [f"  {_edge(edge)}" for edge in graph.edges]
    lines += [
        "  classDef start stroke-width:3px",
        "  classDef handoff fill:#fff3e0,stroke:#e08a00",
        "  classDef trigger fill:#f2f2f2,stroke:#999",
        f"  class {graph.start} start",
    ]
    handoffs = [node.id for node in graph.nodes if node.kind == "handoff"]
    if handoffs:
        lines.append(f"  class {','.join(handoffs)} handoff")
    triggers = [node.id for node in graph.nodes if node.kind in ("trigger", "fallback")]
    if triggers:
        lines.append(f"  class {','.join(triggers)} trigger")
    return "\n".join(lines) + "\n"


def _shape(node: Node, start: str) -> str:
    text = _quoted(node.label if node.id != start else f"▶ {node.label}")
    match node.kind:
        case "handoff":
            return f'{node.id}(["👤 {_escaped(node.label)}"])'
        case "end":
            return f"{node.id}((end))"
        case "trigger":
            return f'{node.id}>"{_escaped(node.label)}"]'
        case "fallback":
            return f'{node.id}(["{_escaped(node.label)}"])'
    return f"{node.id}[{text}]"


def _edge(edge: Edge) -> str:
    arrow = _ARROWS.get(edge.kind, "-->")
    label = (
        edge.label
        if edge.kind in ("button", "goto", "handoff", "end")
        else " ".join(part for part in (edge.kind, edge.label) if part)
    )
    if edge.kind == "trigger":
        label = ""
    if not label:
        return f"{edge.source} {arrow} {edge.target}"
    return f"{edge.source} {arrow}|{_quoted(label)}| {edge.target}"


def _quoted(text: str) -> str:
    return f'"{_escaped(text)}"'


def _escaped(text: str) -> str:
    """Mermaid's entity codes for what would end a label."""
    return " ".join(text.split()).replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
