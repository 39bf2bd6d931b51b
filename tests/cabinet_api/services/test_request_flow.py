from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from adapters.types import Channel, FileRef
from cabinet_api import CabinetServices
from cabinet_api.services import InvalidTransition, Notification, NotOwned, RequestClosed
from cabinet_api.storage import StoredFile
from tests.cabinet_api.conftest import FakeClock


async def _request(cabinet: CabinetServices, client_id: int, topic: str = "Долг") -> str:
    view = await cabinet.requests.create_request(
        client_id, topic=topic, description="Описание обращения", answer_format="written", channel="telegram"
    )
    return view.public_id


async def test_requests_are_listed_newest_first_in_pages(
    cabinet: CabinetServices, clock: FakeClock, anna: int, boris: int
) -> None:
    topics = []
    for index in range(7):
        topics.append(f"Тема {index}")
        await _request(cabinet, anna, topics[-1])
        clock.advance(timedelta(minutes=1))
    await _request(cabinet, boris, "Чужое")

    first = await cabinet.requests.list_requests(anna)
    second = await cabinet.requests.list_requests(anna, page=1)

    assert [item.topic for item in first.items] == topics[::-1][:5]
    assert [item.topic for item in second.items] == topics[::-1][5:]
    assert (first.total, first.has_next, second.has_next) == (7, True, False)
    assert (await cabinet.requests.list_requests(boris)).total == 1


async def test_comments_from_two_channels_land_in_the_same_request(
    cabinet: CabinetServices, anna: int
) -> None:
    public_id = await _request(cabinet, anna)

    await cabinet.request_events.add_comment(
        anna, public_id, text="Из телеграма", file=None, channel="telegram"
    )
    await cabinet.request_events.add_comment(
        anna,
        public_id,
        text=None,
        file=FileRef(
            channel=Channel.WHATSAPP,
            file_id="wa-media-1",
            file_name="договор.pdf",
            mime_type="application/pdf",
            size=1200,
        ),
        channel="whatsapp",
    )
    detail = await cabinet.requests.get_request(anna, public_id)

    assert [(event.kind, event.author, event.channel) for event in detail.events] == [
        ("comment", "client", "telegram"),
        ("file", "client", "whatsapp"),
    ]
    assert detail.events[0].text == "Из телеграма"
    assert detail.events[1].file is not None
    assert (detail.events[1].file.channel, detail.events[1].file.file_id) == (Channel.WHATSAPP, "wa-media-1")
    assert detail.answer is None


async def test_an_empty_comment_is_refused(cabinet: CabinetServices, anna: int) -> None:
    public_id = await _request(cabinet, anna)
    with pytest.raises(ValueError, match="text or a file"):
        await cabinet.request_events.add_comment(anna, public_id, text="  ", file=None, channel="telegram")


async def test_a_posted_answer_answers_the_request_and_says_whom_to_notify(
    cabinet: CabinetServices, anna: int
) -> None:
    public_id = await _request(cabinet, anna)
    audio = StoredFile(key="k" * 20 + ".ogg", mime="audio/ogg", name="answer", size=10)

    answer = await cabinet.request_events.post_answer(
        public_id, lawyer="Смирнов", text="Ответ юриста", audio=audio
    )
    detail = await cabinet.requests.get_request(anna, public_id)

    assert detail.status == "answered"
    assert detail.lawyer == "Смирнов"
    assert detail.answer == answer
    assert answer.audio == audio
    assert detail.events[-1].kind == "answer"
    assert answer.notification() == Notification(
        client_id=anna, kind="answer_ready", request_public_id=public_id, number=detail.number
    )


async def test_an_answer_needs_text_or_audio(cabinet: CabinetServices, anna: int) -> None:
    public_id = await _request(cabinet, anna)
    with pytest.raises(ValueError, match="text or audio"):
        await cabinet.request_events.post_answer(public_id, lawyer="Смирнов", text=None, audio=None)


async def test_closed_requests_take_no_comments(cabinet: CabinetServices, anna: int) -> None:
    public_id = await _request(cabinet, anna)
    await cabinet.request_events.change_status(public_id, "closed", actor="lawyer")

    with pytest.raises(RequestClosed):
        await cabinet.request_events.add_comment(
            anna, public_id, text="Ещё вопрос", file=None, channel="viber"
        )
    assert [event.text for event in (await cabinet.requests.get_request(anna, public_id)).events] == [
        "closed"
    ]


async def test_status_moves_are_checked(cabinet: CabinetServices, anna: int) -> None:
    public_id = await _request(cabinet, anna)

    moved = await cabinet.request_events.change_status(public_id, "in_work", actor="lawyer")
    assert moved.status == "in_work"
    with pytest.raises(InvalidTransition):
        await cabinet.request_events.change_status(public_id, "new", actor="lawyer")
    with pytest.raises(ValueError, match="lost"):
        await cabinet.request_events.change_status(public_id, "lost", actor="lawyer")


async def test_another_clients_request_is_refused_and_logged(
    cabinet: CabinetServices, anna: int, boris: int, caplog: pytest.LogCaptureFixture
) -> None:
    public_id = await _request(cabinet, anna)
    boris_public = await cabinet.identity.public_id_for(boris)

    with caplog.at_level(logging.WARNING, logger="cabinet_api.access"):
        with pytest.raises(NotOwned):
            await cabinet.requests.get_request(boris, public_id)
        with pytest.raises(NotOwned):
            await cabinet.request_events.add_comment(
                boris, public_id, text="Чужой", file=None, channel="telegram"
            )

    assert f"client {boris_public} tried to open request {public_id}" in caplog.text
    assert (await cabinet.requests.get_request(anna, public_id)).events == ()
