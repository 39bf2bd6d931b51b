"""The cabinet through the messengers: the demo client proves their phone and uses it in the chat."""

from __future__ import annotations

import aiohttp

from cabinet_api.demo import DEMO_PHONE
from tests.support.telegram_user import TelegramUser
from tests.support.viber_user import ViberUser


async def test_unverified_client_is_asked_for_the_phone_then_lists_requests(
    http: aiohttp.ClientSession, demo: str
) -> None:
    user = TelegramUser(http, demo, user_id=9201, first_name="Анна")
    await user.send("/start")
    asked = await user.press("Мои обращения")
    assert any(button.get("request_contact") for m in asked for button in m.keyboard), "a share-phone button"
    listed = await user.share_contact(DEMO_PHONE)
    titles = [title for message in listed for title in message.titles()]
    assert any(title.startswith("№") for title in titles), titles


async def test_a_recording_is_uploaded_to_telegram(http: aiohttp.ClientSession, demo: str) -> None:
    user = TelegramUser(http, demo, user_id=9202, first_name="Анна")
    await user.send("/start")
    await user.press("Записи разговоров")
    listed = await user.share_contact(DEMO_PHONE)
    recording = next(t for m in listed for t in m.titles() if "·" in t)
    sent = await user.press(recording)
    audio = [m for m in sent if m.method in {"sendAudio", "sendVoice", "sendDocument"}]
    assert audio, [m.method for m in sent]
    assert audio[0].body.get("audio") or audio[0].body.get("voice") or audio[0].body.get("document")


async def test_a_recording_goes_to_viber_as_a_signed_link_that_expires(
    http: aiohttp.ClientSession, demo: str
) -> None:
    user = ViberUser(http, demo, user_id="vbAnna9203==", name="Анна")
    await user.send("/start")
    await user.press("Записи разговоров")
    listed = await user.share_phone(DEMO_PHONE)
    recording = next(t for m in listed for t in m.titles() if "·" in t)
    sent = await user.press(recording)
    files = [m for m in sent if m.type == "file"]
    assert files, [m.type for m in sent]
    link = files[0].body["media"]
    assert "/api/v1/files/" in link
    name, _, extension = str(files[0].body["file_name"]).rpartition(".")
    assert name, "regression: the link's token without an extension went as the file name"
    assert extension in {"ogg", "mp3", "m4a", "wav", "opus"}
    async with http.get(link) as response:
        assert response.status == 200
        data = await response.read()
    assert len(data) > 1000
    assert files[0].body["size"] == len(data), "the size is the stored file's, with no request to learn it"
    async with http.get(link[:-3] + "AAA") as response:
        assert response.status in (403, 404)
