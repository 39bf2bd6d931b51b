"""Live reload in demo mode: a bot whose YAML changed is compiled again and swapped in.

A background task looks at the files' modification times twice a second (no watcher library, no
work on the message path): when a bot's ``bot.yaml``, ``flows/*`` or ``locales/*`` changed, the
bot is compiled off the event loop and, when it is sound, its entry in the shared runtimes mapping
is replaced, so the next turn runs the new version. A bot with errors keeps its last good version
answering, and its errors stay in :attr:`BotReloader.errors` (the simulator shows them) until the
files are fixed. Sessions carry on: :mod:`dialogs.engine` restarts at the menu a client whose
question has gone.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, MutableMapping
from pathlib import Path

from bots.app.heap import settle_again
from bots.pipeline.runtime import BotRuntime
from dialogs.engine import DialogEngine
from dialogs.errors import BotLoadError, LoadError
from dialogs.model import CompiledBot

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5

Stamp = dict[str, tuple[int, int]]


def yaml_files(directory: Path) -> list[Path]:
    """The files a bot is made of (its conversation tests are not)."""
    files = [directory / "bot.yaml"]
    for part in ("flows", "locales"):
        files += sorted((directory / part).glob("*.y*ml"))
    return files


def stamp(directory: Path) -> Stamp:
    """Each file's modification time and size: a new, removed or rewritten file changes it."""
    stamps: Stamp = {}
    for path in yaml_files(directory):
        try:
            info = path.stat()
        except OSError:
            continue
        stamps[str(path)] = (info.st_mtime_ns, info.st_size)
    return stamps


class BotReloader:
    def __init__(
        self,
        runtimes: MutableMapping[str, BotRuntime],
        directories: dict[str, Path],
        compile_bot: Callable[[Path], CompiledBot],
        make_engine: Callable[[CompiledBot], DialogEngine],
    ) -> None:
        self.runtimes = runtimes
        self.directories = directories
        self._compile = compile_bot
        self._make_engine = make_engine
        self._stamps = {name: stamp(directory) for name, directory in directories.items()}
        self.errors: dict[str, tuple[LoadError, ...]] = dict.fromkeys(directories, ())
        self.versions: dict[str, int] = dict.fromkeys(directories, 1)
        """How many versions of each bot this process has run; the simulator notices a new one."""

    async def run(self, every: float = POLL_SECONDS) -> None:
        while True:
            await asyncio.sleep(every)
            await self.check()

    async def check(self) -> list[str]:
        """Reload the bots whose files changed; the names of those that changed."""
        changed = []
        for name, directory in self.directories.items():
            current = stamp(directory)
            if current == self._stamps[name]:
                continue
            self._stamps[name] = current
            changed.append(name)
            await self._reload(name, directory)
        return changed

    async def _reload(self, name: str, directory: Path) -> None:
        try:
            compiled = await asyncio.to_thread(self._compile, directory)
        except BotLoadError as error:
            self.errors[name] = tuple(error.errors)
            log.warning(
                "bot %s: %d errors in its YAML; the last good version keeps answering",
                name,
                len(error.errors),
            )
            return
        runtime = self.runtimes[name]
        self.runtimes[name] = dataclasses.replace(
            runtime, compiled=compiled, engine=self._make_engine(compiled)
        )
        self.errors[name] = ()
        self.versions[name] += 1
        settle_again()
        log.info("bot %s reloaded from %s (version %d)", name, directory, self.versions[name])
