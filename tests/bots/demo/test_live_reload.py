"""Demo mode reloads a bot whose YAML was edited, without a restart, and draws its flow graph.

The app runs a copy of the legal bot (never ``bots/legal`` itself); a Telegram user writes to it
through the fake platform, as the simulator does, while the test edits the copy's files.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bots.app.settings import PROJECT_ROOT
from tests.support.telegram_user import TelegramUser
from tests.support.waiting import eventually

LEGAL = PROJECT_ROOT / "bots" / "legal"


@pytest.fixture
def legal_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "bots" / "legal"
    shutil.copytree(LEGAL, copy)
    return copy


@pytest.fixture
def stack_settings(legal_copy: Path) -> dict[str, object]:
    return {"bots": [str(legal_copy)]}


@pytest.fixture
def user(http: aiohttp.ClientSession, demo: str) -> TelegramUser:
    return TelegramUser(http, demo, user_id=5_200_000_001, first_name="Анна")


@pytest.fixture
async def registered(user: TelegramUser) -> TelegramUser:
    """The user, once the bot has registered its webhook with the fake Telegram."""

    async def webhook_set() -> bool:
        async with user.http.get(
            f"{user.base_url}/fake/telegram/outbox", params={"method": "setWebhook"}
        ) as r:
            return any(call["ok"] for call in (await r.json())["calls"])

    await eventually(webhook_set, "the bot registers its webhook")
    return user


async def _status(user: TelegramUser) -> dict[str, Any]:
    async with user.http.get(f"{user.base_url}/studio/bots/legal/status") as response:
        assert response.status == 200
        answer: dict[str, Any] = await response.json()
        return answer


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _texts(messages: list[Any]) -> list[str]:
    return [message.text for message in messages]


def _current_question(legal_copy: Path) -> str:
    for line in (legal_copy / "locales" / "ru.yaml").read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("question:") and "помочь" in line:
            return line.split(":", 1)[1].strip().strip('"')
    raise AssertionError("no menu question in the catalog")


async def test_an_edited_text_answers_on_the_next_message(registered: TelegramUser, legal_copy: Path) -> None:
    question = _current_question(legal_copy)
    assert question in _texts(await registered.send("меню"))

    _edit(legal_copy / "locales" / "ru.yaml", question, "Что у вас случилось? Выберите раздел.")
    await eventually(lambda: _version_is(registered, 2), "the edited bot is reloaded")

    assert "Что у вас случилось? Выберите раздел." in _texts(await registered.send("меню"))


async def _version_is(user: TelegramUser, version: int) -> bool:
    status = await _status(user)
    return bool(status["version"] == version and not status["errors"])


async def _errors(user: TelegramUser) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = (await _status(user))["errors"]
    return errors


async def test_a_broken_file_keeps_the_last_good_version_answering(
    registered: TelegramUser, legal_copy: Path
) -> None:
    question = _current_question(legal_copy)
    flows = legal_copy / "flows" / "main.yaml"
    good = flows.read_text(encoding="utf-8")
    flows.write_text(good.replace("goto: faq}", "goto: faqs}") + "  - {match: [broken\n", encoding="utf-8")

    errors = await eventually(lambda: _errors(registered), "the broken file is reported")
    assert len(errors) == 1
    error = errors[0]
    assert error["file"] == "legal/flows/main.yaml"
    assert error["line"] > good.count("\n")
    assert error["text"].startswith(f"legal/flows/main.yaml:{error['line']}:{error['column']}: ")

    assert question in _texts(await registered.send("меню")), "the last good version still answers"

    flows.write_text(good.replace("goto: faq}", "goto: faqs}"), encoding="utf-8")
    errors = await eventually(
        lambda: _errors_mentioning(registered, "unknown flow 'faqs'"), "the wrong flow name is reported"
    )
    assert errors[0]["line"] == next(
        number for number, line in enumerate(good.splitlines(), start=1) if "goto: faq}" in line
    )

    _edit(legal_copy / "locales" / "ru.yaml", question, "Что у вас случилось? Выберите раздел.")
    flows.write_text(good, encoding="utf-8")
    await eventually(lambda: _version_is(registered, 2), "the fixed bot is reloaded")
    assert "Что у вас случилось? Выберите раздел." in _texts(await registered.send("меню"))


async def _errors_mentioning(user: TelegramUser, fragment: str) -> list[dict[str, Any]]:
    errors = await _errors(user)
    return errors if any(fragment in error["message"] for error in errors) else []


async def test_the_flow_graph_of_the_running_bot(registered: TelegramUser) -> None:
    http, base = registered.http, registered.base_url
    async with http.get(f"{base}/studio/bots/legal/graph") as response:
        assert response.status == 200
        assert response.content_type == "image/svg+xml"
        picture = await response.text()
    assert 'data-id="flow_main_menu"' in picture
    assert 'data-id="handoff_lawyers"' in picture
    async with http.get(f"{base}/studio/bots/legal/graph", params={"format": "mermaid"}) as response:
        assert (await response.text()).startswith("flowchart TD\n")
    async with http.get(f"{base}/studio/bots/nobody/graph") as response:
        assert response.status == 404
        assert "legal" in await response.text()
