"""``omnicab graph``: the flows of a bot, and every way from one to another, as a graph."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest

from bots.app.cli import main
from dialogs.graph import END_NODE, FALLBACK_NODE, Edge, FlowGraph, flow_graph, flow_id, handoff_id
from dialogs.loader import load_bot

BOT = "name: clinic\nlocales: [ru, en]\nstart: menu\nfallback: {goto: menu}\n"
FLOWS = """\
flows:
  menu:
    steps:
      - ask:
          text: "{{ t.menu.question }}"
          buttons:
            - {title: "{{ t.menu.book }}", goto: book}
            - {title: "{{ t.menu.doctor }}", handoff: {queue: doctors, reason: asked}}
  book:
    steps:
      - ask:
          text: "{{ t.book.day }}"
          save_as: day
          max_attempts: 3
          on_fail: {handoff: {queue: front_desk, reason: bot_failed}}
      - action: {name: create_request, on_error: {goto: menu}}
      - branch:
          if: slots.day == "today"
          then: urgent
          else:
            - call: reminder
      - end
  urgent:
    steps:
      - handoff: {queue: doctors, reason: urgent}
  reminder:
    steps:
      - say: "{{ t.book.reminder }}"
  orphan:
    steps:
      - goto: menu
triggers:
  - {match: ["меню", "menu"], goto: menu}
"""
TEXTS = {
    "ru": 'menu: {question: "Чем помочь?", book: "Записаться", doctor: "Врач"}\n'
    'book: {day: "На какой день?", reminder: "Напомним."}\n',
    "en": 'menu: {question: "How can we help?", book: "Book", doctor: "Doctor"}\n'
    'book: {day: "Which day?", reminder: "We will remind you."}\n',
}


@pytest.fixture
def bot_dir(tmp_path: Path) -> Path:
    root = tmp_path / "clinic"
    (root / "flows").mkdir(parents=True)
    (root / "locales").mkdir()
    (root / "bot.yaml").write_text(BOT, encoding="utf-8")
    (root / "flows" / "main.yaml").write_text(FLOWS, encoding="utf-8")
    for locale, texts in TEXTS.items():
        (root / "locales" / f"{locale}.yaml").write_text(texts, encoding="utf-8")
    return root


@pytest.fixture
def graph(bot_dir: Path) -> FlowGraph:
    return flow_graph(load_bot(bot_dir, known_actions={"create_request"}))


def test_every_flow_person_and_trigger_is_a_node(graph: FlowGraph) -> None:
    kinds = {node.id: node.kind for node in graph.nodes}
    for flow in ("menu", "book", "urgent", "reminder", "orphan"):
        assert kinds[flow_id(flow)] == "flow"
    assert kinds[handoff_id("doctors")] == "handoff"
    assert kinds[handoff_id("front_desk")] == "handoff"
    assert kinds[END_NODE] == "end"
    assert kinds[FALLBACK_NODE] == "fallback"
    assert [node.label for node in graph.nodes if node.kind == "trigger"] == ["menu, меню"]
    assert graph.start == flow_id("menu")


def test_buttons_are_edges_titled_in_the_default_locale(graph: FlowGraph) -> None:
    assert graph.edges_between(flow_id("menu"), flow_id("book")) == [
        Edge(flow_id("menu"), flow_id("book"), "button", "Записаться")
    ]
    assert graph.edges_between(flow_id("menu"), handoff_id("doctors")) == [
        Edge(flow_id("menu"), handoff_id("doctors"), "button", "Врач")
    ]


def test_branches_calls_failures_and_the_end_are_edges(graph: FlowGraph) -> None:
    book = flow_id("book")
    assert graph.edges_between(book, flow_id("urgent")) == [
        Edge(book, flow_id("urgent"), "goto", 'slots.day == "today"')
    ]
    assert graph.edges_between(book, flow_id("reminder")) == [
        Edge(book, flow_id("reminder"), "call", 'not (slots.day == "today")')
    ]
    assert graph.edges_between(book, flow_id("menu")) == [
        Edge(book, flow_id("menu"), "on_error", "create_request")
    ]
    assert graph.edges_between(book, handoff_id("front_desk")) == [
        Edge(book, handoff_id("front_desk"), "on_fail", "3 ×")
    ]
    assert [edge.kind for edge in graph.edges_between(book, END_NODE)] == ["end"]
    assert graph.edges_between(flow_id("urgent"), handoff_id("doctors")) == [
        Edge(flow_id("urgent"), handoff_id("doctors"), "handoff", "urgent")
    ]
    assert graph.node(book).details == ("ask: day", "action: create_request")


def test_triggers_and_the_fallback_lead_in(graph: FlowGraph) -> None:
    into_menu = {(edge.source, edge.kind) for edge in graph.edges if edge.target == flow_id("menu")}
    assert ("trigger_0", "trigger") in into_menu
    assert (FALLBACK_NODE, "fallback") in into_menu
    assert (flow_id("orphan"), "goto") in into_menu
    assert not [edge for edge in graph.edges if edge.target == flow_id("orphan")], "nothing leads to orphan"


def test_the_cli_writes_mermaid_with_every_edge(bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(bot_dir)]) == 0
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == "flowchart TD"
    assert 'flow_menu -->|"Записаться"| flow_book' in lines
    assert 'flow_book -.->|"on_fail 3 ×"| handoff_front_desk' in lines


def test_the_cli_draws_an_svg_with_a_box_per_node(bot_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "clinic.svg"
    assert main(["graph", str(bot_dir), "-o", str(out)]) == 0
    root = ElementTree.parse(out).getroot()
    ns = {"svg": "http://www.w3.org/2000/svg"}
    boxes = {group.get("data-id"): group for group in root.iterfind(".//svg:g", ns)}
    assert {flow_id(name) for name in ("menu", "book", "urgent", "reminder", "orphan")} <= set(boxes)
    orphan_lines = [text.text for text in boxes[flow_id("orphan")].iterfind("svg:text", ns)]
    assert orphan_lines == ["orphan", "↩ menu"], "the way back to the menu is a line, not an arrow"
    labels = {text.text for text in root.iterfind("svg:text", ns)}
    assert {"Записаться", "Врач"} <= labels


def test_a_broken_bot_is_not_drawn(bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flows = bot_dir / "flows" / "main.yaml"
    flows.write_text(flows.read_text(encoding="utf-8").replace("goto: book", "goto: bok"), encoding="utf-8")
    assert main(["graph", str(bot_dir)]) == 1
    assert "unknown flow 'bok'" in capsys.readouterr().err
