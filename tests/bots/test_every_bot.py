"""Every bot shipped under ``bots/`` loads, and its conversation scripts (``omnicab test``) pass.

A new bot directory with a ``bot.yaml`` is picked up with no change here; a failing script fails
``make test`` with the script's ``file:line`` and what was expected there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.app.loading import compile_bot
from bots.app.scripts import run_scripts
from dialogs.script import discover_scripts

BOTS_DIR = Path(__file__).resolve().parents[2] / "bots"
BOT_DIRS = sorted(path.parent for path in BOTS_DIR.glob("*/bot.yaml"))
SCRIPTS = [(bot_dir, script) for bot_dir in BOT_DIRS for script in discover_scripts(bot_dir)]


def test_the_shipped_bots_are_found() -> None:
    assert BOTS_DIR / "legal" in BOT_DIRS


@pytest.mark.parametrize("bot_dir", BOT_DIRS, ids=lambda path: path.name)
def test_every_bot_has_conversation_scripts(bot_dir: Path) -> None:
    assert discover_scripts(bot_dir), f"{bot_dir / 'tests'}: a bot ships at least one conversation script"


@pytest.mark.parametrize(
    ("bot_dir", "script"), SCRIPTS, ids=[f"{bot.name}/{script.name}" for bot, script in SCRIPTS]
)
async def test_conversation_script(bot_dir: Path, script: Path) -> None:
    [result] = await run_scripts(compile_bot(bot_dir), [script])
    if not result.passed:
        pytest.fail(str(result), pytrace=False)
