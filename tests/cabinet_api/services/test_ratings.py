from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from cabinet_api import CabinetServices
from cabinet_api.services import InvalidTransition, NotOwned
from tests.cabinet_api.conftest import FakeClock


async def _answered(cabinet: CabinetServices, client_id: int) -> str:
    request = await cabinet.requests.create_request(
        client_id, topic="Долг", description="Не вернули долг", answer_format="written", channel="telegram"
    )
    await cabinet.request_events.post_answer(request.public_id, lawyer="Смирнов", text="Ответ", audio=None)
    return request.public_id


async def test_a_good_score_is_kept_once_and_opens_no_task(cabinet: CabinetServices, anna: int) -> None:
    request = await _answered(cabinet, anna)

    first = await cabinet.ratings.rate(
        anna, subject="request", subject_id=request, scale="csat", score=5, channel="viber"
    )
    repeat = await cabinet.ratings.rate(
        anna, subject="request", subject_id=request, scale="csat", score=1, channel="viber"
    )

    assert (first.already, first.task_id, first.score) == (False, None, 5)
    assert (repeat.already, repeat.rating_id, repeat.score) == (True, first.rating_id, 5)
    assert [rating.score for rating in await cabinet.ratings.list_ratings(client_id=anna)] == [5]
    assert await cabinet.ratings.list_tasks() == []


async def test_a_low_score_opens_a_follow_up_task_due_in_business_time(
    cabinet: CabinetServices, clock: FakeClock, anna: int
) -> None:
    request = await _answered(cabinet, anna)
    clock.now = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)

    result = await cabinet.ratings.rate(
        anna, subject="request", subject_id=request, scale="csat", score=3, channel="whatsapp"
    )
    await cabinet.ratings.add_rating_comment(anna, result.rating_id, "Ответ пришёл поздно")
    tasks = await cabinet.ratings.list_tasks(status="open")

    assert result.task_id is not None
    assert [task.public_id for task in tasks] == [result.task_id]
    task = tasks[0]
    assert task.due_at == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    assert (task.score, task.subject_id, task.comment) == (3, request, "Ответ пришёл поздно")
    assert task.client_public_id == await cabinet.identity.public_id_for(anna)


async def test_closing_a_task(cabinet: CabinetServices, clock: FakeClock, anna: int) -> None:
    request = await _answered(cabinet, anna)
    result = await cabinet.ratings.rate(
        anna, subject="request", subject_id=request, scale="csat", score=1, channel="web"
    )
    assert result.task_id is not None
    clock.advance(timedelta(hours=2))

    closed = await cabinet.ratings.close_task(result.task_id, note="Перезвонили, извинились")

    assert (closed.status, closed.note, closed.closed_at) == ("closed", "Перезвонили, извинились", clock.now)
    assert await cabinet.ratings.list_tasks(status="open") == []
    with pytest.raises(InvalidTransition):
        await cabinet.ratings.close_task(result.task_id)


async def test_ces_is_a_separate_scale_from_1_to_7_and_a_low_one_opens_a_task(
    cabinet: CabinetServices, anna: int
) -> None:
    request = await _answered(cabinet, anna)

    ces = await cabinet.ratings.rate(
        anna, subject="request", subject_id=request, scale="ces", score=4, channel="web"
    )
    csat = await cabinet.ratings.rate(
        anna, subject="request", subject_id=request, scale="csat", score=4, channel="web"
    )

    assert (ces.already, ces.task_id is not None, csat.already, csat.task_id) == (False, True, False, None)
    easy_enough = await cabinet.ratings.rate(
        anna,
        subject="request",
        subject_id=await _answered(cabinet, anna),
        scale="ces",
        score=5,
        channel="web",
    )
    assert easy_enough.task_id is None
    with pytest.raises(ValueError, match=r"1\.\.7"):
        await cabinet.ratings.rate(
            anna, subject="handoff", subject_id="h1", scale="ces", score=8, channel="web"
        )
    with pytest.raises(ValueError, match=r"1\.\.5"):
        await cabinet.ratings.rate(
            anna, subject="handoff", subject_id="h1", scale="csat", score=0, channel="web"
        )


async def test_concurrent_presses_count_once(cabinet: CabinetServices, anna: int) -> None:
    request = await _answered(cabinet, anna)

    results = await asyncio.gather(
        *(
            cabinet.ratings.rate(
                anna, subject="request", subject_id=request, scale="csat", score=2, channel="telegram"
            )
            for _ in range(4)
        )
    )

    assert [result.already for result in results].count(False) == 1
    assert len({result.rating_id for result in results}) == 1
    assert len(await cabinet.ratings.list_tasks()) == 1


async def test_another_clients_request_cannot_be_rated(
    cabinet: CabinetServices, anna: int, boris: int
) -> None:
    request = await _answered(cabinet, anna)
    with pytest.raises(NotOwned):
        await cabinet.ratings.rate(
            boris, subject="request", subject_id=request, scale="csat", score=1, channel="web"
        )
    own = await cabinet.ratings.rate(
        anna, subject="request", subject_id=request, scale="csat", score=5, channel="web"
    )
    with pytest.raises(NotOwned):
        await cabinet.ratings.add_rating_comment(boris, own.rating_id, "чужой")
