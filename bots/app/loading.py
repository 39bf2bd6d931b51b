"""Loading the configured bots: compile their YAML and bind their actions and channels."""

from __future__ import annotations

import re
from pathlib import Path

from bots.app.channels import ChannelSource
from bots.app.reload import BotReloader
from bots.app.settings import Settings
from bots.pipeline.runtime import BotRuntime
from cabinet_api import CabinetServices
from cabinet_api.actions import cabinet_actions
from dialogs.actions import ActionRunner, CompositeActions, LocalActions, RemoteActions
from dialogs.engine import DialogEngine
from dialogs.loader import load_bot
from dialogs.model import CompiledBot


def in_process_action_names(cabinet: CabinetServices | None = None) -> frozenset[str]:
    return frozenset(action.name() for action in cabinet_actions(cabinet))


def in_process_action_slots(cabinet: CabinetServices | None = None) -> dict[str, frozenset[str]]:
    return {action.name(): action.sets_slots for action in cabinet_actions(cabinet)}


def compile_bot(bot_dir: Path, cabinet: CabinetServices | None = None) -> CompiledBot:
    return load_bot(bot_dir, known_actions=set(in_process_action_names(cabinet)))


def action_runner(compiled: CompiledBot, cabinet: CabinetServices | None) -> ActionRunner:
    local = LocalActions(cabinet_actions(cabinet))
    server = compiled.action_server
    if server is None:
        return local
    return CompositeActions(local, RemoteActions(server.url, server.actions))


_BOT_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")


def bot_directory(entry: str, bots_dir: Path) -> Path:
    """An ``OMNICAB_BOTS`` entry: a name looked up under ``bots_dir``, or a path to a bot directory."""
    if "/" in entry or "\\" in entry or entry.startswith((".", "~")):
        return Path(entry).expanduser().resolve()
    return bots_dir / entry


def bot_name(directory: Path) -> str:
    """The name in webhook URLs and ``OMNICAB_<NAME>_*`` variables: the directory's name."""
    name = directory.name.lower().replace("-", "_")
    if not _BOT_NAME.fullmatch(name):
        raise ValueError(
            f"{directory}: a bot directory name is a-z, 0-9 and _ (at most 32), starting with a letter"
        )
    return name


def bot_directories(settings: Settings) -> dict[str, Path]:
    """The configured bots by name, in the order of ``OMNICAB_BOTS``."""
    directories: dict[str, Path] = {}
    for entry in settings.bots:
        directory = bot_directory(entry, settings.bots_dir)
        name = bot_name(directory)
        if name in directories:
            raise ValueError(f"OMNICAB_BOTS names two bots {name!r}; bot directory names must differ")
        directories[name] = directory
    return directories


def load_runtimes(
    settings: Settings, cabinet: CabinetServices, channels: ChannelSource
) -> dict[str, BotRuntime]:
    runtimes: dict[str, BotRuntime] = {}
    for name, directory in bot_directories(settings).items():
        compiled = compile_bot(directory, cabinet)
        engine = DialogEngine(compiled, action_runner(compiled, cabinet))
        runtimes[name] = BotRuntime(name, compiled, engine, channels.adapters(settings, name))
    return runtimes


def live_reloader(
    settings: Settings, cabinet: CabinetServices, runtimes: dict[str, BotRuntime]
) -> BotReloader:
    """Demo mode's reload of edited bots, over the very mapping every part of the app reads."""
    return BotReloader(
        runtimes,
        bot_directories(settings),
        lambda directory: compile_bot(directory, cabinet),
        lambda compiled: DialogEngine(compiled, action_runner(compiled, cabinet)),
    )
