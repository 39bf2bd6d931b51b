"""Demo data for `make run`: a verified client with contracts, requests in several states, a recording."""

from __future__ import annotations

import io
import math
import struct
import wave
from datetime import datetime, timedelta
from decimal import Decimal

from cabinet_api.clock import utc_now
from cabinet_api.services import CabinetServices

DEMO_PHONE = "+79000000001"
DEMO_FIRST_NAME = "Анна"
DEMO_LAST_NAME = "Петрова"
DEMO_LAWYER = "Иван Смирнов"
TONE_SECONDS = 2
TONE_HERTZ = 440
SAMPLE_RATE = 8000


def demo_tone(seconds: int = TONE_SECONDS, hertz: int = TONE_HERTZ) -> bytes:
    """A short, valid WAV file (mono, 16-bit PCM) with a fading tone: something to play in the demo."""
    frames = seconds * SAMPLE_RATE
    samples = (
        int(12_000 * (1 - index / frames) * math.sin(2 * math.pi * hertz * index / SAMPLE_RATE))
        for index in range(frames)
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(SAMPLE_RATE)
        sound.writeframes(b"".join(struct.pack("<h", sample) for sample in samples))
    return buffer.getvalue()


async def seed_demo(cabinet: CabinetServices, *, now: datetime | None = None) -> None:
    """Idempotent: once the demo client has payments, nothing more is added; dates are relative to ``now``."""
    client_id = await cabinet.clients.ensure_verified_client(
        DEMO_PHONE, first_name=DEMO_FIRST_NAME, last_name=DEMO_LAST_NAME
    )
    if await cabinet.payments.list_payments(client_id):
        return
    now = now or utc_now()

    subscription = await cabinet.payments.add_contract(
        client_id, title="Абонентское юридическое обслуживание"
    )
    await cabinet.payments.add_payment(
        client_id, subscription, amount=Decimal("12000.00"), paid_at=now - timedelta(days=20)
    )
    single = await cabinet.payments.add_contract(client_id, title="Разовая консультация")
    await cabinet.payments.add_payment(
        client_id, single, amount=Decimal("3000.00"), paid_at=now - timedelta(days=45), refundable=False
    )

    closed = await cabinet.requests.create_request(
        client_id,
        topic="Возврат товара",
        description="Магазин отказывается принять обратно неисправный телефон.",
        answer_format="oral",
        channel="telegram",
    )
    await cabinet.request_events.post_answer(
        closed.public_id,
        lawyer=DEMO_LAWYER,
        text="Направьте продавцу претензию; образец мы обсудили по телефону.",
        audio=None,
    )
    await cabinet.request_events.change_status(closed.public_id, "closed", actor="system")

    answered = await cabinet.requests.create_request(
        client_id,
        topic="Аренда квартиры",
        description="Арендодатель не возвращает залог после выезда. Что делать?",
        answer_format="written",
        channel="whatsapp",
    )
    await cabinet.request_events.change_status(answered.public_id, "in_work", actor="lawyer")
    await cabinet.request_events.post_answer(
        answered.public_id,
        lawyer=DEMO_LAWYER,
        text=(
            "Залог возвращается при отсутствии ущерба имуществу. Направьте арендодателю письменное "
            "требование с описью состояния квартиры; если он не ответит в течение 10 дней, подайте иск "
            "в мировой суд. Если нужен образец требования, напишите здесь — пришлём."
        ),
        audio=None,
    )

    in_work = await cabinet.requests.create_request(
        client_id,
        topic="Трудовой спор",
        description="Работодатель задерживает зарплату второй месяц.",
        answer_format="written",
        channel="viber",
    )
    await cabinet.request_events.change_status(in_work.public_id, "in_work", actor="lawyer")
    await cabinet.request_events.add_comment(
        client_id,
        in_work.public_id,
        text="Добавлю: в трудовом договоре указана дата выплаты 10-го числа.",
        file=None,
        channel="telegram",
    )

    await cabinet.recordings.ingest_recording(
        audio=demo_tone(),
        mime="audio/wav",
        client_phone=DEMO_PHONE,
        lawyer=DEMO_LAWYER,
        started_at=now - timedelta(days=3, hours=2),
        duration=TONE_SECONDS,
        direction="incoming",
        source="pbx",
    )
