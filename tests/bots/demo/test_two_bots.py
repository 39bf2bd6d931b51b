"""Demo mode with two bots: the fakes list them, and a person writes to the one they pick.

The app runs ``legal`` and the small ``helpdesk`` bot next to this file (``OMNICAB_BOTS`` takes
paths); users write through each fake platform exactly as the simulator does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import pytest

from bots.demo.registry import demo_whatsapp_phone_id
from tests.support.app import demo_settings, running_app
from tests.support.telegram_user import TelegramUser
from tests.support.viber_user import ViberUser
from tests.support.whatsapp_user import WhatsAppUser

HELPDESK_DIR = Path(__file__).resolve().parent / "helpdesk"
CHANNELS = ["telegram", "viber", "whatsapp"]
BOTS = [{"name": "legal", "title": "Omnicab Legal"}, {"name": "helpdesk", "title": "Справочная"}]


class User(Protocol):
    async def send(self, text: str) -> list[Any]: ...


@pytest.fixture
async def two_bots(tmp_path: Path) -> AsyncIterator[str]:
    settings = demo_settings(tmp_path, bots=["legal", str(HELPDESK_DIR)])
    async with running_app(settings) as base_url:
        yield base_url


def _user(channel: str, http: aiohttp.ClientSession, base_url: str, bot: str | None, n: int) -> User:
    if channel == "telegram":
        return TelegramUser(http, base_url, user_id=5_100_000_000 + n, first_name="Ольга", bot=bot)
    if channel == "viber":
        return ViberUser(http, base_url, user_id=f"twoBots{n}user==", name="Ольга", bot=bot)
    return WhatsAppUser(http, base_url, wa_id=f"7900555{n:04d}", name="Ольга", bot=bot)


def _texts(replies: list[Any]) -> list[str]:
    return [message.text for message in replies]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_every_fake_lists_the_bots_a_person_can_pick(
    two_bots: str, http: aiohttp.ClientSession, channel: str
) -> None:
    async with http.get(f"{two_bots}/fake/{channel}/bots") as response:
        assert response.status == 200
        assert await response.json() == {"bots": BOTS}


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_message_naming_no_bot_gets_the_choices_in_russian_and_english(
    two_bots: str, http: aiohttp.ClientSession, channel: str
) -> None:
    """The defect as reported: every message failed with "several webhooks registered; pass ?token="."""
    user = _user(channel, http, two_bots, None, 1)
    with pytest.raises(AssertionError) as refused:
        await user.send("меню")
    answer = str(refused.value)
    assert "pass ?token=" not in answer
    assert "несколько ботов" in answer
    assert "Several bots" in answer
    assert "?bot=legal (Omnicab Legal)" in answer
    assert "?bot=helpdesk (Справочная)" in answer


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_message_without_a_bot_is_a_400_naming_every_bot(
    two_bots: str, http: aiohttp.ClientSession, channel: str
) -> None:
    async with http.post(f"{two_bots}/fake/{channel}/updates", json={}) as response:
        assert response.status == 400
        answer = await response.json()
    assert answer["bots"] == BOTS
    assert answer["error_ru"].startswith("Здесь несколько ботов")
    assert answer["error_en"].startswith("Several bots are served here")


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_unknown_bot_is_a_404_naming_the_known_ones(
    two_bots: str, http: aiohttp.ClientSession, channel: str
) -> None:
    for path, method in (("updates", "POST"), ("outbox", "GET")):
        async with http.request(
            method, f"{two_bots}/fake/{channel}/{path}", params={"bot": "nobody"}, json={}
        ) as response:
            assert response.status == 404
            answer = await response.json()
        assert "Бота «nobody» нет" in answer["error"]
        assert answer["bots"] == BOTS


@pytest.mark.parametrize("channel", CHANNELS)
async def test_each_bot_answers_the_person_who_picked_it(
    two_bots: str, http: aiohttp.ClientSession, channel: str
) -> None:
    to_helpdesk = _user(channel, http, two_bots, "helpdesk", 2)
    assert any("Справочная на связи." in text for text in _texts(await to_helpdesk.send("меню")))
    heard = _texts(await to_helpdesk.send("Когда вы работаете?"))
    assert any("Справочная записала вопрос: Когда вы работаете?" in text for text in heard), heard

    to_legal = _user(channel, http, two_bots, "legal", 3)
    greeting = _texts(await to_legal.send("меню"))
    assert any("Здравствуйте, Ольга!" in text for text in greeting), greeting
    assert not any("Справочная" in text for text in greeting), greeting


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_outbox_of_one_bot_holds_only_its_calls(
    two_bots: str, http: aiohttp.ClientSession, channel: str
) -> None:
    await _user(channel, http, two_bots, "helpdesk", 4).send("меню")
    await _user(channel, http, two_bots, "legal", 5).send("меню")
    outboxes = {}
    for bot in ("legal", "helpdesk", None):
        params = {"bot": bot} if bot else {}
        async with http.get(f"{two_bots}/fake/{channel}/outbox", params=params) as response:
            assert response.status == 200
            outboxes[bot] = (await response.json())["calls"]
    legal = {call["seq"] for call in outboxes["legal"]}
    helpdesk = {call["seq"] for call in outboxes["helpdesk"]}
    assert legal
    assert helpdesk
    assert not legal & helpdesk
    assert legal | helpdesk == {call["seq"] for call in outboxes[None]}


async def test_whatsapp_delivers_to_the_picked_bot_whatever_number_the_body_names(
    two_bots: str, http: aiohttp.ClientSession
) -> None:
    """The simulator's notification may still name the number of the bot picked before."""
    helpdesk_number = demo_whatsapp_phone_id("helpdesk")
    user = WhatsAppUser(
        http, two_bots, wa_id="79005559999", name="Ольга", phone_id=helpdesk_number, bot="legal"
    )
    greeting = _texts(await user.send("меню"))
    assert any("Здравствуйте, Ольга!" in text for text in greeting), greeting


async def test_with_one_bot_nothing_needs_naming(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    async with running_app(demo_settings(tmp_path)) as base_url:
        async with http.get(f"{base_url}/fake/telegram/bots") as response:
            assert await response.json() == {"bots": [BOTS[0]]}
        user = TelegramUser(http, base_url, user_id=5_100_000_009, first_name="Ольга")
        greeting = _texts(await user.send("/start"))
    assert any("Здравствуйте, Ольга!" in text for text in greeting), greeting
