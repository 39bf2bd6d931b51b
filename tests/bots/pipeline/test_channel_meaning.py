"""Every channel shows what the bot means: choices the client can see and read whole, one greeting."""

from __future__ import annotations

import aiohttp

from cabinet_api.demo import DEMO_PHONE
from tests.support.viber_user import ViberUser
from tests.support.whatsapp_user import WhatsAppUser

ELLIPSIS = "…"


async def test_viber_shows_the_listed_requests_on_the_keyboard_the_client_sees(
    http: aiohttp.ClientSession, demo: str
) -> None:
    """Regression: the list went with its own keyboard and the navigation with another; Viber shows
    only the newest keyboard, so the client read «Ваши обращения (всего 3)» and saw no request."""
    user = ViberUser(http, demo, user_id="vbAnna9501==", name="Анна")
    await user.send("/start")
    await user.press("Мои обращения")
    listed = await user.share_phone(DEMO_PHONE)
    *earlier, newest = listed
    assert any("Ваши обращения" in message.text for message in listed), [m.text for m in listed]
    assert all(not message.buttons for message in earlier)
    titles = newest.titles()
    assert sum(title.startswith("№") for title in titles) == 3, titles
    assert "Главное меню" in titles
    opened = await user.press(next(title for title in titles if title.startswith("№")))
    assert any("№" in message.text for message in opened)


async def test_viber_greets_a_new_client_once(http: aiohttp.ClientSession, demo: str) -> None:
    """Regression: the welcome greeted, ``subscribed`` started the dialog and greeted again, and a
    subscribed client reopening the chat was welcomed once more."""
    user = ViberUser(http, demo, user_id="vbNew9502==", name="Мария")
    welcome = await user.open_chat()
    assert [message.method for message in welcome] == ["welcome_message"]
    status, _ = await user.post_callback({"event": "subscribed", "user": user.profile})
    assert status == 200
    assert await user.replies(wait_at_most=1.0) == []
    user.last = welcome  # nothing came since: the welcome's keyboard is still the one shown
    seen = [*welcome, *await user.press("Начать")]
    assert any(message.titles() for message in seen[1:]), "the menu follows the start"
    status, answer = await user.post_callback(
        {"event": "conversation_started", "type": "open", "user": user.profile}
    )
    assert (status, answer["response"]) == (200, {"ok": True})
    assert await user.replies(wait_at_most=1.0) == []
    greetings = [message.text for message in seen if "Здравствуйте" in message.text]
    assert greetings == ["Здравствуйте, Мария!"]


async def test_whatsapp_rows_keep_whole_words_and_the_list_opens_with_a_word(
    http: aiohttp.ClientSession, demo: str
) -> None:
    """Regression: «№3 · В работе · до 28.11 0…» rows cut mid-word under a list button «☰»."""
    user = WhatsAppUser(http, demo, wa_id=DEMO_PHONE.lstrip("+"), name="Анна")
    await user.send("/start")
    listed = await user.send("мои обращения")
    lists = [message for message in listed if message.rows]
    assert lists, [message.kind for message in listed]
    for message in lists:
        assert message.body["interactive"]["action"]["button"] == "Выбрать"
        for row in message.rows:
            title, description = row["title"], row.get("description") or ""
            assert len(title) <= 24
            if title.endswith(ELLIPSIS):
                kept = title.removesuffix(ELLIPSIS)
                assert description.startswith(kept)
                assert description[len(kept)] == " ", f"{title!r} was cut inside a word of {description!r}"
