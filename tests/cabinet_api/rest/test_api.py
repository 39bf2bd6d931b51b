from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from yarl import URL

from cabinet_api import CabinetServices
from cabinet_api.demo import demo_tone
from cabinet_api.payouts import PayoutDetails
from cabinet_api.services import Notification
from tests.cabinet_api.conftest import START, FakeClock
from tests.cabinet_api.rest.conftest import FULL, READ, ApiClient
from tests.cabinet_api.services.conftest import ANNA_PHONE


def _recording_form(audio: bytes = b"", mime: str = "audio/wav", **overrides: str) -> FormData:
    form = FormData()
    fields = {
        "client_phone": ANNA_PHONE,
        "lawyer": "Иван Смирнов",
        "started_at": START.isoformat(),
        "duration": "42",
        "direction": "incoming",
        "source": "pbx",
        **overrides,
    }
    for name, value in fields.items():
        form.add_field(name, value)
    form.add_field("audio", audio or demo_tone(seconds=1), content_type=mime, filename="call.wav")
    return form


async def _error(response: Any) -> dict[str, Any]:
    body = await response.json()
    assert set(body) == {"error"}
    return dict(body["error"])


async def _create_request(api: ApiClient, client_public_id: str) -> dict[str, Any]:
    response = await api.post(
        "/api/v1/requests",
        json={
            "client_id": client_public_id,
            "topic": "Долг",
            "description": "Не вернули",
            "answer_format": "written",
        },
        headers=FULL,
    )
    assert response.status == 201
    return dict(await response.json())


async def test_keys_are_required_and_scoped(api: ApiClient, cabinet: CabinetServices, anna: int) -> None:
    anna_id = await cabinet.identity.public_id_for(anna)

    missing = await api.get(f"/api/v1/clients/{anna_id}")
    wrong = await api.get(
        f"/api/v1/clients/{anna_id}", headers={"Authorization": "Bearer nope-nope-nope-nope"}
    )
    unscoped = await api.post("/api/v1/requests", json={}, headers=READ)
    allowed = await api.get(f"/api/v1/clients/{anna_id}", headers=READ)

    assert (missing.status, wrong.status, unscoped.status, allowed.status) == (401, 401, 403, 200)
    assert (await _error(missing))["code"] == "unauthorized"
    assert (await _error(unscoped))["code"] == "forbidden"
    client = await allowed.json()
    assert (client["public_id"], client["phone"], client["phone_verified"]) == (anna_id, ANNA_PHONE, True)
    assert [identity["channel"] for identity in client["identities"]] == ["telegram"]
    assert "id" not in client


async def test_a_request_lives_through_the_api(
    api: ApiClient, cabinet: CabinetServices, anna: int, notifications: list[Notification]
) -> None:
    anna_id = await cabinet.identity.public_id_for(anna)
    created = await _create_request(api, str(anna_id))
    request_id = created["public_id"]

    comment = await api.post(
        f"/api/v1/clients/{anna_id}/requests/{request_id}/comments", json={"text": "Дополнение"}, headers=FULL
    )
    moved = await api.post(f"/api/v1/requests/{request_id}/status", json={"status": "in_work"}, headers=FULL)
    form = FormData()
    form.add_field("lawyer", "Смирнов")
    form.add_field("text", "Письменный ответ")
    form.add_field("audio", b"OggS-audio", content_type="audio/ogg", filename="answer.ogg")
    answered = await api.post(f"/api/v1/requests/{request_id}/answer", data=form, headers=FULL)
    detail = await api.get(f"/api/v1/clients/{anna_id}/requests/{request_id}", headers=READ)
    listed = await api.get(f"/api/v1/clients/{anna_id}/requests?per_page=1", headers=READ)

    assert (comment.status, moved.status, answered.status, detail.status) == (201, 200, 201, 200)
    answer = await answered.json()
    assert (answer["text"], answer["audio"]["mime"], answer["notified"]) == (
        "Письменный ответ",
        "audio/ogg",
        True,
    )
    assert notifications == [
        Notification(
            client_id=anna, kind="answer_ready", request_public_id=request_id, number=created["number"]
        )
    ]
    body = await detail.json()
    assert body["status"] == "answered"
    assert [event["kind"] for event in body["events"]] == ["comment", "status", "answer"]
    assert body["answer"]["lawyer"] == "Смирнов"
    page = await listed.json()
    assert (page["total"], page["has_next"], page["items"][0]["public_id"]) == (1, False, request_id)


async def test_bad_bodies_name_the_field(api: ApiClient, cabinet: CabinetServices, anna: int) -> None:
    anna_id = await cabinet.identity.public_id_for(anna)
    cases = [
        ({"client_id": anna_id, "topic": "Т", "description": "О", "answer_format": "video"}, "answer_format"),
        ({"client_id": anna_id, "description": "О", "answer_format": "oral"}, "topic"),
        ({"client_id": "nobody", "topic": "Т", "description": "О", "answer_format": "oral"}, "client_id"),
    ]
    for body, field in cases:
        response = await api.post("/api/v1/requests", json=body, headers=FULL)
        assert response.status == 400
        assert (await _error(response))["field"] == field

    not_json = await api.post(
        "/api/v1/requests", data="{", headers={**FULL, "Content-Type": "application/json"}
    )
    assert (not_json.status, (await _error(not_json))["field"]) == (400, "body")
    bad_page = await api.get(f"/api/v1/clients/{anna_id}/requests?page=-1", headers=READ)
    assert (bad_page.status, (await _error(bad_page))["field"]) == (400, "page")


async def test_foreign_and_unknown_ids_are_404(
    api: ApiClient, cabinet: CabinetServices, anna: int, boris: int
) -> None:
    anna_id, boris_id = (
        await cabinet.identity.public_id_for(anna),
        await cabinet.identity.public_id_for(boris),
    )
    request_id = (await _create_request(api, str(anna_id)))["public_id"]
    upload = await api.post("/api/v1/recordings", data=_recording_form(), headers=FULL)
    recording_id = (await upload.json())["public_id"]

    for path in (
        f"/api/v1/clients/{boris_id}/requests/{request_id}",
        f"/api/v1/clients/{boris_id}/recordings/{recording_id}/link",
        f"/api/v1/clients/nobody/requests/{request_id}",
        f"/api/v1/clients/{anna_id}/requests/unknown",
        "/api/v1/clients/nobody",
        "/api/v1/no/such/route",
    ):
        response = await api.get(path, headers=READ)
        assert response.status == 404, path
        assert (await _error(response))["code"] == "not_found"
    comment = await api.post(
        f"/api/v1/clients/{boris_id}/requests/{request_id}/comments", json={"text": "x"}, headers=FULL
    )
    assert comment.status == 404


async def test_a_recording_is_uploaded_listed_and_played_through_a_signed_link(
    api: ApiClient, cabinet: CabinetServices, clock: FakeClock, anna: int
) -> None:
    anna_id = await cabinet.identity.public_id_for(anna)

    upload = await api.post("/api/v1/recordings", data=_recording_form(), headers=FULL)
    listed = await api.get(f"/api/v1/clients/{anna_id}/recordings", headers=READ)
    recording = await upload.json()
    link = await api.get(f"/api/v1/clients/{anna_id}/recordings/{recording['public_id']}/link", headers=READ)
    url = URL((await link.json())["url"])
    played = await api.get(url.path)

    assert (upload.status, listed.status, link.status, played.status) == (201, 200, 200, 200)
    assert (recording["matched"], recording["duration"], recording["source"]) == (True, 42, "pbx")
    assert [item["public_id"] for item in (await listed.json())["items"]] == [recording["public_id"]]
    assert (url.origin(), url.parent.path) == (api.make_url("/").origin(), "/api/v1/files")
    assert (played.content_type, await played.read()) == ("audio/wav", demo_tone(seconds=1))

    clock.advance(timedelta(minutes=16))
    expired = await api.get(url.path)
    forged = await api.get(url.path[:-3] + "abc")
    assert (expired.status, forged.status) == (410, 404)


async def test_uploads_are_limited_by_type_and_size(
    api: ApiClient, files_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cabinet_api.rest.recordings.MAX_RECORDING_BYTES", 1000)

    video = await api.post("/api/v1/recordings", data=_recording_form(mime="video/mp4"), headers=FULL)
    large = await api.post("/api/v1/recordings", data=_recording_form(audio=b"x" * 1001), headers=FULL)
    bad_source = await api.post(
        "/api/v1/recordings", data=_recording_form(audio=b"RIFF-small", source="fax"), headers=FULL
    )
    as_json = await api.post("/api/v1/recordings", json={}, headers=FULL)

    assert (video.status, (await _error(video))["field"]) == (415, "audio")
    assert (large.status, (await _error(large))["field"]) == (413, "audio")
    assert (bad_source.status, (await _error(bad_source))["field"]) == (400, "source")
    assert as_json.status == 415
    assert not await asyncio.to_thread(lambda: files_root.exists() and any(files_root.iterdir()))


async def test_refunds_ratings_and_tasks(api: ApiClient, cabinet: CabinetServices, anna: int) -> None:
    anna_id = await cabinet.identity.public_id_for(anna)
    contract = await cabinet.payments.add_contract(anna, title="Абонентское обслуживание")
    payment = await cabinet.payments.add_payment(anna, contract, amount=Decimal("1000"), paid_at=START)
    refund = await cabinet.payments.create_refund(
        anna,
        payment_id=payment.public_id,
        reason="Причина",
        amount=Decimal("250.50"),
        payout=PayoutDetails.to_card(holder="Анна Петрова", card="4111111111111111"),
        channel="telegram",
    )
    request_id = (await _create_request(api, str(anna_id)))["public_id"]
    rated = await cabinet.ratings.rate(
        anna, subject="request", subject_id=request_id, scale="csat", score=2, channel="web"
    )

    refunds = await (await api.get(f"/api/v1/clients/{anna_id}/refunds", headers=READ)).json()
    skipped = await api.post(
        f"/api/v1/refunds/{refund.public_id}/status", json={"status": "paid"}, headers=FULL
    )
    reviewed = await api.post(
        f"/api/v1/refunds/{refund.public_id}/status", json={"status": "in_review"}, headers=FULL
    )
    ratings = await (await api.get(f"/api/v1/ratings?client_id={anna_id}", headers=READ)).json()
    tasks = await (await api.get("/api/v1/tasks?status=open", headers=READ)).json()
    closed = await api.post(
        f"/api/v1/tasks/{rated.task_id}/close", json={"note": "Перезвонили"}, headers=FULL
    )

    assert [(item["number"], item["amount"], item["payout_masked"]) for item in refunds] == [
        ("В-000001", "250.50", "**** 1111")
    ]
    assert "4111111111111111" not in str(refunds)
    assert (skipped.status, (await _error(skipped))["code"]) == (409, "conflict")
    assert (await reviewed.json())["status"] == "in_review"
    assert [(item["subject_id"], item["score"]) for item in ratings] == [(request_id, 2)]
    assert [(task["public_id"], task["client_id"]) for task in tasks] == [(rated.task_id, anna_id)]
    assert (closed.status, (await closed.json())["status"]) == (200, "closed")


async def test_unexpected_errors_answer_500_without_a_trace(
    api: ApiClient, cabinet: CabinetServices, anna: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(cabinet.clients, "get_client", broken)
    response = await api.get(f"/api/v1/clients/{await cabinet.identity.public_id_for(anna)}", headers=READ)

    assert response.status == 500
    assert await _error(response) == {"code": "internal", "message": "internal error"}
