"""A flow graph drawn as SVG, in layers from top to bottom, with no JavaScript or library.

Layers follow the dialog: the triggers first, then the start flow, then each flow one layer
below the first flow that leads to it; people and the end of the dialog come last. The ways back
(to the menu from nearly every flow, to an earlier flow when an action fails) would be a thicket
of arrows, so they are lines in the flow's box instead («↩ menu», «✗ validate_refund → refund_menu»);
every other edge is an arrow with its button's title or condition.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from html import escape

from dialogs.graph import Edge, FlowGraph, Node

_CHAR = 7.4
_LINE = 16
_PAD_X = 12
_PAD_Y = 8
_LAYER_GAP = 110
_SIDE_GAP = 28
_MARGIN = 24
_TITLE = 30
_LABEL_CHARS = 26

_COLORS = {
    "button": "#3d6aa8",
    "goto": "#444444",
    "call": "#444444",
    "on_error": "#c0392b",
    "on_fail": "#c0392b",
    "handoff": "#d9822b",
    "end": "#777777",
    "trigger": "#999999",
    "fallback": "#999999",
}
_DASHED = frozenset({"call", "on_error", "on_fail", "fallback"})
_FILLS = {
    "flow": ("#ffffff", "#3d6aa8"),
    "handoff": ("#fff3e0", "#d9822b"),
    "end": ("#eeeeee", "#777777"),
    "trigger": ("#f4f4f4", "#aaaaaa"),
    "fallback": ("#f4f4f4", "#aaaaaa"),
}


@dataclass
class _Box:
    node: Node
    lines: list[str]
    column: int
    row: int = 0
    x: float = 0.0
    y: float = 0.0

    @property
    def width(self) -> float:
        return max(120.0, max(len(line) for line in self.lines) * _CHAR + 2 * _PAD_X)

    @property
    def height(self) -> float:
        return len(self.lines) * _LINE + 2 * _PAD_Y


def svg(graph: FlowGraph) -> str:
    homes = _homes(graph)
    main = [edge for edge in graph.edges if not _home_bound(graph, edge, homes)]
    columns = _columns(graph, [edge for edge in main if edge.kind not in _ERRORS])
    drawn = [edge for edge in main if not _backward_error(edge, columns)]
    boxes = _boxes(graph, columns, drawn)
    width, height = _place(boxes)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" font-family="system-ui, sans-serif" font-size="13" '
        f'role="img" aria-label="{escape(graph.bot)}">',
        _markers(),
        '<rect width="100%" height="100%" fill="#fbfbfd"/>',
        f'<text x="{_MARGIN}" y="{_MARGIN + 4}" font-size="16" font-weight="600">{escape(graph.bot)}</text>',
    ]
    parts += [_edge(edge, boxes) for edge in drawn]
    parts += [_node(box, graph.start) for box in boxes.values()]
    fans: dict[str, int] = defaultdict(int)
    for edge in drawn:
        if edge.label and edge.kind != "trigger":
            parts.append(_label(edge, boxes, fans[edge.source]))
            fans[edge.source] += 1
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


_ERRORS = frozenset({"on_error", "on_fail"})


def _homes(graph: FlowGraph) -> set[str]:
    """The start flow and the flow free text falls back to: the menu most flows lead back to."""
    fallback = [edge.target for edge in graph.edges if edge.kind == "fallback"]
    return {graph.start, *fallback}


def _home_bound(graph: FlowGraph, edge: Edge, homes: set[str]) -> bool:
    return edge.target in homes and edge.source not in homes and graph.node(edge.source).kind == "flow"


def _backward_error(edge: Edge, columns: dict[str, int]) -> bool:
    return edge.kind in _ERRORS and columns[edge.target] <= columns[edge.source]


def _boxes(graph: FlowGraph, columns: dict[str, int], drawn: list[Edge]) -> dict[str, _Box]:
    folded: dict[str, list[str]] = defaultdict(list)
    for edge in graph.edges:
        if edge in drawn:
            continue
        name = graph.node(edge.target).label
        if edge.kind == "on_error":
            line = f"✗ {edge.label} → {name}"
        elif edge.kind == "on_fail":
            line = f"✗ on_fail → {name}"
        else:
            line = f"↩ {name}"
        if line not in folded[edge.source]:
            folded[edge.source].append(line)
    boxes: dict[str, _Box] = {}
    for node in graph.nodes:
        lines = [_short(_title(node, graph.start), 28 if node.kind == "trigger" else 36)]
        lines += [_short(detail, 36) for detail in _counted(node.details)]
        lines += [_short(line, 36) for line in folded.get(node.id, [])]
        boxes[node.id] = _Box(node, lines, columns[node.id])
    _order(boxes, drawn)
    return boxes


def _counted(details: tuple[str, ...]) -> list[str]:
    """«ask ×3» for three asks in a row that save nothing."""
    lines: list[tuple[str, int]] = []
    for detail in details:
        if lines and lines[-1][0] == detail:
            lines[-1] = (detail, lines[-1][1] + 1)
        else:
            lines.append((detail, 1))
    return [detail if count == 1 else f"{detail} ×{count}" for detail, count in lines]


def _title(node: Node, start: str) -> str:
    match node.kind:
        case "handoff":
            return f"handoff: {node.label}"
        case "trigger":
            phrases = node.label.split(", ")
            shown = ", ".join(f"«{phrase}»" for phrase in phrases[:2])
            return shown + (" …" if len(phrases) > 2 else "")
        case "fallback":
            return "(не понято / not understood)"
    return f"▶ {node.label}" if node.id == start else node.label


def _columns(graph: FlowGraph, drawn: list[Edge]) -> dict[str, int]:
    """The start flow's column, then one more per step away from it; flows only a trigger leads to
    start a column of their own at the start's."""
    entries = [node.id for node in graph.nodes if node.kind in ("trigger", "fallback")]
    terminal = {node.id for node in graph.nodes if node.kind in ("handoff", "end")}
    targets = defaultdict(list)
    for edge in drawn:
        targets[edge.source].append(edge.target)
    column = dict.fromkeys(entries, 0)
    roots = [graph.start] + [target for entry in entries for target in targets[entry]]
    for root in roots:
        if root in column or root in terminal:
            continue
        column[root] = 1
        queue = deque([root])
        while queue:
            source = queue.popleft()
            for target in targets[source]:
                if target not in column and target not in terminal:
                    column[target] = column[source] + 1
                    queue.append(target)
    last = max(column.values(), default=1) + 1
    for node in graph.nodes:
        if node.id not in column:
            column[node.id] = last if node.id in terminal else 1
    return column


def _order(boxes: dict[str, _Box], drawn: list[Edge]) -> None:
    """Each column sorted by where its nodes' predecessors stand (two sweeps of barycentres)."""
    position = {node_id: index for index, node_id in enumerate(boxes)}
    sources = defaultdict(list)
    for edge in drawn:
        if boxes[edge.source].column < boxes[edge.target].column:
            sources[edge.target].append(edge.source)
    for _ in range(2):
        by_column: dict[int, list[str]] = defaultdict(list)
        for node_id, box in boxes.items():
            by_column[box.column].append(node_id)
        for column in sorted(by_column):
            members = by_column[column]
            members.sort(
                key=lambda node_id: (
                    sum(position[s] for s in sources[node_id]) / len(sources[node_id])
                    if sources[node_id]
                    else position[node_id]
                )
            )
            for index, node_id in enumerate(members):
                position[node_id] = index
                boxes[node_id].row = index


def _place(boxes: dict[str, _Box]) -> tuple[float, float]:
    by_layer: dict[int, list[_Box]] = defaultdict(list)
    for box in boxes.values():
        by_layer[box.column].append(box)
    widths = {
        layer: sum(box.width for box in members) + _SIDE_GAP * (len(members) - 1)
        for layer, members in by_layer.items()
    }
    widest = max(widths.values(), default=0)
    y = float(_MARGIN + _TITLE)
    for layer in sorted(by_layer):
        members = sorted(by_layer[layer], key=lambda box: box.row)
        x = _MARGIN + (widest - widths[layer]) / 2
        for box in members:
            box.x, box.y = x, y
            x += box.width + _SIDE_GAP
        y += max(box.height for box in members) + _LAYER_GAP
    return widest + 2 * _MARGIN + 60, y - _LAYER_GAP + _MARGIN


def _markers() -> str:
    markers = [
        f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>'
        for kind, color in _COLORS.items()
    ]
    return "<defs>" + "".join(markers) + "</defs>"


def _geometry(edge: Edge, boxes: dict[str, _Box], fan: int = 0) -> tuple[str, tuple[float, float]]:
    """The path of an edge and the point its label goes at; ``fan`` staggers the labels of the
    edges that leave one box, so that they do not stand on one line."""
    source, target = boxes[edge.source], boxes[edge.target]
    if source is target:
        x, y = source.x + source.width, source.y + source.height / 2
        path = (
            f"M{x:.1f},{y - 6:.1f} C{x + 46:.1f},{y - 30:.1f} {x + 46:.1f},{y + 30:.1f} {x:.1f},{y + 6:.1f}"
        )
        return path, (x + 40, y)
    if target.column > source.column:
        x0, y0 = source.x + source.width / 2, source.y + source.height
        x1, y1 = target.x + target.width / 2, target.y
        bend = max(40.0, (y1 - y0) / 2)
        c0, c1 = (x0, y0 + bend), (x1, y1 - bend)
        t = 0.45 + 0.17 * (fan % 3)
    else:
        right = target.x > source.x
        x0 = source.x + (source.width if right else 0)
        x1 = target.x + (0 if right else target.width)
        y0, y1 = source.y + source.height / 2, target.y + target.height / 2
        reach = 40 + abs(y1 - y0) / 4
        c0 = (x0 + (reach if right else -reach), y0)
        c1 = (x1 - (reach if right else -reach), y1)
        t = 0.5
    mid = _point((x0, y0), c0, c1, (x1, y1), t)
    path = f"M{x0:.1f},{y0:.1f} C{c0[0]:.1f},{c0[1]:.1f} {c1[0]:.1f},{c1[1]:.1f} {x1:.1f},{y1:.1f}"
    return path, mid


def _point(
    p0: tuple[float, float],
    p1: tuple[float, float],
    p2: tuple[float, float],
    p3: tuple[float, float],
    t: float,
) -> tuple[float, float]:
    """A point of a cubic Bézier curve."""
    u = 1 - t
    weights = (u**3, 3 * u * u * t, 3 * u * t * t, t**3)
    points = (p0, p1, p2, p3)
    return (
        sum(w * p[0] for w, p in zip(weights, points, strict=True)),
        sum(w * p[1] for w, p in zip(weights, points, strict=True)),
    )


def _edge(edge: Edge, boxes: dict[str, _Box]) -> str:
    path, _ = _geometry(edge, boxes)
    color = _COLORS[edge.kind]
    dash = ' stroke-dasharray="5 4"' if edge.kind in _DASHED else ""
    title = escape(f"{edge.kind}: {edge.label}" if edge.label else edge.kind)
    return (
        f'<path class="edge edge-{edge.kind}" d="{path}" fill="none" stroke="{color}" stroke-width="1.4"'
        f'{dash} marker-end="url(#arrow-{edge.kind})"><title>{title}</title></path>'
    )


def _label(edge: Edge, boxes: dict[str, _Box], fan: int) -> str:
    _, (x, y) = _geometry(edge, boxes, fan)
    text = _short(edge.label, _LABEL_CHARS)
    if edge.kind in ("on_error", "on_fail"):
        text = f"{edge.kind}: {text}" if edge.kind == "on_fail" else f"✗ {text}"
    return (
        f'<text class="edge-label" x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="11" '
        f'fill="{_COLORS[edge.kind]}" stroke="#fbfbfd" stroke-width="4" paint-order="stroke">'
        f"{escape(text)}</text>"
    )


def _node(box: _Box, start: str) -> str:
    fill, stroke = _FILLS[box.node.kind]
    width = 2.6 if box.node.id == start else 1.3
    radius = box.height / 2 if box.node.kind in ("handoff", "end") else 6
    parts = [
        f'<g class="node node-{box.node.kind}" data-id="{escape(box.node.id)}">',
        f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" height="{box.height:.1f}" '
        f'rx="{radius:.1f}" fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>',
    ]
    for index, line in enumerate(box.lines):
        y = box.y + _PAD_Y + _LINE * (index + 1) - 4
        style = ' font-weight="600"' if index == 0 else ' font-size="11.5" fill="#555555"'
        parts.append(f'<text x="{box.x + _PAD_X:.1f}" y="{y:.1f}"{style}>{escape(line)}</text>')
    parts.append("</g>")
    return "".join(parts)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
