"""What a new client writes first, through the fake messengers and the real webhook path."""

from __future__ import annotations

import aiohttp
import pytest

from tests.support.whatsapp_user import WhatsAppUser


@pytest.mark.parametrize("greeting", ["Здравствуйте", "Добрый день!"])
async def test_a_plain_greeting_in_whatsapp_is_greeted_back(
    http: aiohttp.ClientSession, demo: str, greeting: str
) -> None:
    user = WhatsAppUser(http, demo, wa_id="79990007301", name="Ольга")
    replies = await user.send(greeting)
    texts = [message.text for message in replies]
    assert any("Здравствуйте, Ольга!" in text for text in texts), texts
    assert not any("не понял" in text for text in texts), texts
    assert "Новое обращение" in [title for message in replies for title in message.titles()]
