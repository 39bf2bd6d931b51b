"""Loading the configured bots: compile their YAML and bind their actions and channels."""

from __future__ import annotations

from pathlib import Path

from bots.channels import build_adapters
from bots.runtime import BotRuntime
from bots.settings import Settings
from cabinet_api.actions import cabinet_actions
from cabinet_api.services import Cabinet
from dialogs.actions import ActionRunner, CompositeActions, LocalActions, RemoteActions
from dialogs.engine import DialogEngine
from dialogs.loader import load_bot
from dialogs.model import CompiledBot


def in_process_action_names(cabinet: Cabinet | None = None) -> frozenset[str]:
    return frozenset(action.name() for action in cabinet_actions(cabinet))


def compile_bot(bot_dir: Path, cabinet: Cabinet | None = None) -> CompiledBot:
    return load_bot(bot_dir, known_actions=set(in_process_action_names(cabinet)))


def action_runner(compiled: CompiledBot, cabinet: Cabinet | None) -> ActionRunner:
    local = LocalActions(cabinet_actions(cabinet))
    server = compiled.action_server
    if server is None:
        return local
    return CompositeActions(local, RemoteActions(server.url, server.actions))


def load_runtimes(settings: Settings, cabinet: Cabinet) -> dict[str, BotRuntime]:
    runtimes: dict[str, BotRuntime] = {}
    for name in settings.bots:
        compiled = compile_bot(settings.bots_dir / name, cabinet)
        engine = DialogEngine(compiled, action_runner(compiled, cabinet))
        runtimes[name] = BotRuntime(name, compiled, engine, build_adapters(settings, name))
    return runtimes
