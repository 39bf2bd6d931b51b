from __future__ import annotations

import io
import wave
from decimal import Decimal

from adapters.types import ContactShared, StartBody
from cabinet_api import CabinetServices
from cabinet_api.demo import DEMO_PHONE, demo_tone, seed_demo
from tests.cabinet_api.conftest import FakeClock, inbound


def test_the_demo_tone_is_a_valid_two_second_wav() -> None:
    with wave.open(io.BytesIO(demo_tone()), "rb") as sound:
        assert sound.getnframes() / sound.getframerate() == 2


async def test_seeding_twice_gives_one_demo_client_with_a_full_cabinet(
    cabinet: CabinetServices, clock: FakeClock
) -> None:
    await seed_demo(cabinet, now=clock())
    await seed_demo(cabinet, now=clock())

    await cabinet.identity.identify(inbound(StartBody(), user="79000000001"))
    profile = await cabinet.identity.identify(
        inbound(ContactShared(phone=DEMO_PHONE, verified=True), user="79000000001")
    )
    client_id = profile.client_id
    requests = (await cabinet.requests.list_requests(client_id)).items
    payments = await cabinet.payments.list_payments(client_id)
    recordings = (await cabinet.recordings.list_recordings(client_id)).items

    assert (profile.first_name, profile.phone_verified) == ("Анна", True)
    assert sorted(request.status for request in requests) == ["answered", "closed", "in_work"]
    assert sorted(payment.refundable_amount for payment in payments) == [Decimal("0.00"), Decimal("12000.00")]
    assert len(recordings) == 1
    stored = await cabinet.recordings.recording_file(client_id, recordings[0].public_id)
    assert await cabinet.files.read(stored.key) == demo_tone()
    answered = next(request for request in requests if request.status == "answered")
    detail = await cabinet.requests.get_request(client_id, answered.public_id)
    assert detail.answer is not None
    assert detail.answer.text
    assert await cabinet.ratings.list_tasks() == []


async def test_the_demo_answer_promises_no_attachment_it_does_not_have(
    cabinet: CabinetServices, clock: FakeClock
) -> None:
    """The walk read «Шаблон требования во вложении к ответу» under an answer with nothing attached."""
    await seed_demo(cabinet, now=clock())
    profile = await cabinet.identity.identify(
        inbound(ContactShared(phone=DEMO_PHONE, verified=True), user="79000000001")
    )
    for request in (await cabinet.requests.list_requests(profile.client_id)).items:
        detail = await cabinet.requests.get_request(profile.client_id, request.public_id)
        if detail.answer is not None and detail.answer.audio is None:
            assert "вложени" not in (detail.answer.text or ""), detail.answer.text
