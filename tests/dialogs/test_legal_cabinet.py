"""The cabinet in the demo bot, driven as a client would, against the real cabinet and its actions.

Every event first goes through ``IdentityService.identify`` as in the pipeline, so a shared phone verifies
the client in the same turn and a second channel lands on the same client.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from adapters.types import AttachmentKind, Body, Channel, ConversationRef, FileRef, Inbound, MediaKind, Sender
from cabinet_api import CabinetServices, Database, cabinet_services
from cabinet_api.actions import cabinet_actions
from cabinet_api.storage import LocalFileStorage
from dialogs.actions import LocalActions
from dialogs.conversation import Conversation
from dialogs.engine import DialogEngine
from dialogs.model import CompiledBot
from dialogs.plurals import is_plural_entry
from dialogs.turn import ClientView, TurnResult
from tests.dialogs.harness import LEGAL_DIR

PHONE = "+79000000001"
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SBER_BIK = "044525225"
SBER_ACCOUNT = "40817810938160925982"
_events = itertools.count(1)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class CabinetChat(Conversation):
    """One chat of one platform user, identified by the cabinet before every turn."""

    def __init__(
        self,
        engine: DialogEngine,
        cabinet: CabinetServices,
        *,
        user_id: str,
        channel: Channel = Channel.TELEGRAM,
        locale: str = "ru",
        verified_phone: str | None = None,
    ) -> None:
        super().__init__(engine, ClientView(id=user_id, locale=locale), channel=channel)
        self.cabinet = cabinet
        self.reference = ConversationRef(
            channel=channel, bot="legal", chat_id=f"chat-{user_id}", user_id=user_id
        )
        self.sender = Sender(user_id=user_id, first_name="Анна", locale=locale, verified_phone=verified_phone)

    async def send_body(self, body: Body) -> TurnResult:
        event = Inbound(
            event_id=f"evt-{next(_events)}", conversation=self.reference, sender=self.sender, body=body
        )
        profile = await self.cabinet.identity.identify(event)
        self.client = ClientView(
            id=profile.public_id,
            first_name=profile.first_name,
            locale=profile.locale,
            phone_verified=profile.phone_verified,
            channel=event.channel.value,
        )
        self.last = await self.engine.turn(event, self.session, self.client)
        self.session = self.last.session
        return self.last

    @property
    def all_text(self) -> str:
        return "\n".join(self.texts + self.button_titles)

    def assert_said(self, fragment: str) -> None:
        assert fragment in self.all_text, f"{fragment!r} not in {self.all_text!r}"


@pytest.fixture
async def cabinet(sqlite_url: str, tmp_path: Path) -> AsyncIterator[CabinetServices]:
    database = Database(sqlite_url)
    await database.migrate()
    try:
        yield cabinet_services(database, clock=Clock(), storage=LocalFileStorage(tmp_path / "files"))
    finally:
        await database.dispose()


@pytest.fixture
def engine(legal_bot: CompiledBot, cabinet: CabinetServices) -> DialogEngine:
    return DialogEngine(legal_bot, LocalActions(cabinet_actions(cabinet)))


@pytest.fixture
async def anna(cabinet: CabinetServices) -> int:
    return await cabinet.clients.ensure_verified_client(PHONE, first_name="Анна", last_name="Петрова")


def chat(engine: DialogEngine, cabinet: CabinetServices, **options: Any) -> CabinetChat:
    return CabinetChat(engine, cabinet, user_id=options.pop("user_id", "100"), **options)


async def verified_chat(engine: DialogEngine, cabinet: CabinetServices, **options: Any) -> CabinetChat:
    conversation = chat(engine, cabinet, **options)
    await conversation.start()
    await conversation.share_contact(PHONE)
    return conversation


async def new_request(
    cabinet: CabinetServices, client_id: int, topic: str = "family", answer_format: str = "oral"
) -> str:
    request = await cabinet.requests.create_request(
        client_id,
        topic=topic,
        description="Бывший супруг не платит алименты полгода",
        answer_format=answer_format,
        channel="telegram",
    )
    return request.public_id


async def test_an_unverified_client_is_asked_for_the_phone_and_a_typed_one_is_not_enough(
    engine: DialogEngine, cabinet: CabinetServices, anna: int
) -> None:
    conversation = chat(engine, cabinet)
    await conversation.start()
    await conversation.press("Мои обращения")
    conversation.assert_said("после подтверждения номера телефона")
    assert conversation.last is not None
    assert conversation.last.replies[-1].request_contact == "Поделиться номером"

    await conversation.send("+7 900 000-00-01")

    conversation.assert_said("Номер нужно подтвердить кнопкой")
    conversation.assert_said("Чем могу помочь?")
    assert "№" not in conversation.all_text


async def test_sharing_the_phone_opens_the_section_chosen_before(
    engine: DialogEngine, cabinet: CabinetServices, anna: int
) -> None:
    await new_request(cabinet, anna)
    conversation = chat(engine, cabinet)
    await conversation.start()
    await conversation.press("Мои обращения")

    await conversation.share_contact(PHONE)

    conversation.assert_said("Ваши обращения, всего 1.")
    assert conversation.button_titles == ["№1 · Семейное право · новое", "Новое обращение", "Главное меню"]
    assert conversation.buttons[0].description == "ответим до 03.03 12:30"
    assert conversation.client.id == await cabinet.identity.public_id_for(anna)


async def test_requests_page_five_at_a_time_newest_first_with_their_topics(
    engine: DialogEngine, cabinet: CabinetServices, anna: int
) -> None:
    for topic in ("family", "labor", "housing", "debts", "auto", "consumer", "Наследство"):
        await new_request(cabinet, anna, topic=topic)
    conversation = await verified_chat(engine, cabinet)
    await conversation.press("Мои обращения")
    conversation.assert_said(
        "Ваши обращения, всего 7. Выберите обращение, чтобы открыть его.\nСтраница 1 из 2."
    )
    assert conversation.button_titles == [
        "№7 · Наследство · новое",
        "№6 · Защита прав потребителей · новое",
        "№5 · ДТП и автомобили · новое",
        "№4 · Долги и кредиты · новое",
        "№3 · Жильё и недвижимость · новое",
        "Далее →",
        "Новое обращение",
        "Главное меню",
    ]
    assert conversation.last is not None
    assert len(conversation.last.replies) == 1, "the list and its navigation are one message"

    await conversation.press("Далее →")
    conversation.assert_said("Страница 2 из 2.")
    assert conversation.button_titles[:3] == [
        "№2 · Трудовые споры · новое",
        "№1 · Семейное право · новое",
        "← Назад",
    ]

    await conversation.press("← Назад")
    conversation.assert_said("Страница 1 из 2.")
    await conversation.press("№6 · Защита прав потребителей · новое")
    conversation.assert_said("Обращение №6 · Защита прав потребителей")


async def test_no_requests_yet(engine: DialogEngine, cabinet: CabinetServices, anna: int) -> None:
    conversation = await verified_chat(engine, cabinet)
    await conversation.press("Мои обращения")
    conversation.assert_said("У вас пока нет обращений")
    assert conversation.button_titles == ["Новое обращение", "Главное меню"]


async def test_a_comment_from_telegram_and_a_file_from_whatsapp_land_in_one_request(
    engine: DialogEngine, cabinet: CabinetServices, anna: int
) -> None:
    public_id = await new_request(cabinet, anna)
    await cabinet.request_events.change_status(public_id, "in_work", actor="lawyer")
    telegram = await verified_chat(engine, cabinet)
    await telegram.press("Мои обращения")
    await telegram.press("№1 · Семейное право · в работе")
    telegram.assert_said("Обращение №1 · Семейное право")
    telegram.assert_said("Статус: в работе, ответим до 03.03.2026 12:30")
    await telegram.press("Дополнить обращение")
    await telegram.send("Вот ещё: он сменил работу в феврале")
    telegram.assert_said("Добавили к обращению")
    telegram.assert_said("Вы (Telegram): Вот ещё: он сменил работу в феврале")

    whatsapp = chat(engine, cabinet, user_id="79000000001", channel=Channel.WHATSAPP, verified_phone=PHONE)
    await whatsapp.send("меню")
    await whatsapp.press("Мои обращения")
    await whatsapp.press("№1 · Семейное право · в работе")
    whatsapp.assert_said("Вы (Telegram): Вот ещё: он сменил работу в феврале")
    await whatsapp.press("Дополнить обращение")
    await whatsapp.send_file("spravka.pdf")
    whatsapp.assert_said("Вы (WhatsApp): файл spravka.pdf")

    detail = await cabinet.requests.get_request(anna, public_id)
    assert [(event.kind, event.channel) for event in detail.events if event.author == "client"] == [
        ("comment", "telegram"),
        ("file", "whatsapp"),
    ]


async def test_a_closed_request_takes_no_comments(
    engine: DialogEngine, cabinet: CabinetServices, anna: int
) -> None:
    public_id = await new_request(cabinet, anna)
    await cabinet.request_events.change_status(public_id, "closed", actor="lawyer")
    conversation = await verified_chat(engine, cabinet)
    await conversation.press("Мои обращения")
    await conversation.press("№1 · Семейное право · закрыто")
    conversation.assert_said("Статус: закрыто")
    assert conversation.button_titles == ["К списку обращений", "Главное меню"]


async def test_an_answer_is_read_and_rated_low_which_opens_a_task(
    engine: DialogEngine, cabinet: CabinetServices, anna: int
) -> None:
    public_id = await new_request(cabinet, anna, answer_format="written")
    await cabinet.request_events.post_answer(
        public_id, lawyer="Иванов И. И.", text="Подайте заявление о взыскании.", audio=None
    )
    conversation = await verified_chat(engine, cabinet)
    await conversation.press("Мои обращения")
    await conversation.press("№1 · Семейное право · ответ готов")
    conversation.assert_said("Ответ юриста Иванова И. И., 02.03.2026 12:30:\nПодайте заявление о взыскании.")
    conversation.assert_said("Оцените, пожалуйста, ответ юриста")
    assert conversation.button_titles == ["1", "2", "3", "4", "5", "Не сейчас"]

    await conversation.press("2")
    conversation.assert_said("Что нам улучшить?")
    await conversation.send("Хотелось бы подробнее про сроки")
    conversation.assert_said("Спасибо за оценку!")

    [task] = await cabinet.ratings.list_tasks()
    assert (task.subject_id, task.score, task.comment) == (public_id, 2, "Хотелось бы подробнее про сроки")

    await conversation.press("К списку обращений")
    await conversation.press("№1 · Семейное право · ответ готов")
    assert "Оцените" not in conversation.all_text


async def test_a_good_rating_asks_nothing_more_and_opens_no_task(
    engine: DialogEngine, cabinet: CabinetServices, anna: int
) -> None:
    public_id = await new_request(cabinet, anna)
    await cabinet.request_events.post_answer(
        public_id, lawyer="Иванов И. И.", text="Всё в порядке.", audio=None
    )
    conversation = await verified_chat(engine, cabinet)
    await conversation.press("Мои обращения")
    await conversation.press("№1 · Семейное право · ответ готов")
    await conversation.press("5")
    conversation.assert_said("Спасибо за оценку!")
    assert await cabinet.ratings.list_tasks() == []


async def test_an_audio_answer_is_listened_to_in_the_chat(
    engine: DialogEngine, cabinet: CabinetServices, anna: int
) -> None:
    public_id = await new_request(cabinet, anna)
    audio = await cabinet.files.store(b"OggS-answer", mime="audio/ogg", name="answer.ogg")
    await cabinet.request_events.post_answer(public_id, lawyer="Иванов И. И.", text=None, audio=audio)
    conversation = await verified_chat(engine, cabinet)
    await conversation.press("Мои обращения")
    await conversation.press("№1 · Семейное право · ответ готов")
    conversation.assert_said("Ответ юриста Иванова И. И. записан голосом")
    await conversation.press("Не сейчас")
    await conversation.press("Прослушать ответ")

    assert conversation.last is not None
    [reply] = [reply for reply in conversation.last.replies if reply.attachment is not None]
    assert reply.text == "Ответ юриста Иванова И. И. по обращению №1"
    assert reply.attachment is not None
    assert reply.attachment.kind is AttachmentKind.AUDIO
    assert reply.attachment.source.storage_key == audio.key
    assert reply.attachment.mime_type == "audio/ogg"


async def test_a_recording_is_listed_and_sent_as_audio(
    engine: DialogEngine, cabinet: CabinetServices, anna: int
) -> None:
    recording = await cabinet.recordings.ingest_recording(
        audio=b"RIFF-call",
        mime="audio/wav",
        client_phone="8 900 000-00-01",
        lawyer="Смирнова Е. А.",
        started_at=START - timedelta(days=1),
        duration=125,
        direction="outgoing",
        source="pbx",
    )
    conversation = await verified_chat(engine, cabinet)
    await conversation.press("Записи разговоров")
    conversation.assert_said("Записи разговоров с юристами, всего 1.")
    await conversation.press("01.03.2026 12:30 · Смирнова Е. А. · 2:05")

    assert conversation.last is not None
    [reply] = [reply for reply in conversation.last.replies if reply.attachment is not None]
    assert reply.text == "Разговор с юристом Смирновой Е. А., 01.03.2026 12:30, 2:05"
    assert reply.attachment is not None
    assert (reply.attachment.kind, reply.attachment.duration) == (AttachmentKind.AUDIO, 125)
    file = await cabinet.recordings.recording_file(anna, recording.public_id)
    assert reply.attachment.source.storage_key == file.key
    assert conversation.button_titles == ["К списку записей", "Главное меню"]


async def test_lawyers_names_are_declined_in_the_clients_texts(
    engine: DialogEngine, cabinet: CabinetServices, anna: int
) -> None:
    public_id = await new_request(cabinet, anna, answer_format="written")
    await cabinet.request_events.post_answer(public_id, lawyer="Иван Смирнов", text="Готово.", audio=None)
    await cabinet.recordings.ingest_recording(
        audio=b"RIFF-call",
        mime="audio/wav",
        client_phone=PHONE,
        lawyer="Анна Петрова",
        started_at=START - timedelta(days=1),
        duration=65,
        direction="outgoing",
        source="pbx",
    )
    conversation = await verified_chat(engine, cabinet)
    await conversation.press("Мои обращения")
    await conversation.press("№1 · Семейное право · ответ готов")
    conversation.assert_said("Ответ юриста Ивана Смирнова, ")
    await conversation.press("Не сейчас")
    await conversation.press("Главное меню")
    await conversation.press("Записи разговоров")
    await conversation.press("01.03.2026 12:30 · Анна Петрова · 1:05")
    conversation.assert_said("Разговор с юристом Анной Петровой, 01.03.2026 12:30, 1:05")


@pytest.mark.parametrize("comments", [11, 15, 31])
async def test_earlier_events_of_a_request_are_counted_in_the_right_plural_form(
    engine: DialogEngine, cabinet: CabinetServices, anna: int, comments: int
) -> None:
    public_id = await new_request(cabinet, anna)
    for number in range(comments):
        await cabinet.request_events.add_comment(
            anna, public_id, text=f"Дополнение {number + 1}", file=None, channel="telegram"
        )
    conversation = await verified_chat(engine, cabinet)
    await conversation.press("Мои обращения")
    await conversation.press("№1 · Семейное право · новое")
    [line] = [line for line in conversation.all_text.splitlines() if line.startswith("…и ещё")]
    count = int(line.split()[2])
    word = line.split()[3]
    expected = (
        "событие"
        if count % 10 == 1 and count % 100 != 11
        else ("события" if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14) else "событий")
    )
    assert (line, word) == (f"…и ещё {count} {expected} раньше", expected)


async def test_no_recordings_yet(engine: DialogEngine, cabinet: CabinetServices, anna: int) -> None:
    conversation = await verified_chat(engine, cabinet)
    await conversation.press("Записи разговоров")
    conversation.assert_said("Записей разговоров с юристами пока нет")


async def refundable_payment(cabinet: CabinetServices, client_id: int) -> str:
    contract = await cabinet.payments.add_contract(client_id, title="Абонемент «Семья»")
    payment = await cabinet.payments.add_payment(
        client_id, contract, amount=Decimal("15000"), paid_at=START - timedelta(days=10)
    )
    return payment.public_id


async def start_refund(engine: DialogEngine, cabinet: CabinetServices) -> CabinetChat:
    conversation = await verified_chat(engine, cabinet)
    await conversation.press("Возврат средств")
    await conversation.press("Подать заявление")
    conversation.assert_said("Выберите платёж")
    await conversation.press("Абонемент «Семья» · 15 000 ₽ · 20.02.2026")
    await conversation.send("Услуга не понадобилась")
    return conversation


async def test_a_refund_to_an_account_with_every_invalid_field_named(
    engine: DialogEngine, cabinet: CabinetServices, anna: int
) -> None:
    await refundable_payment(cabinet, anna)
    conversation = await start_refund(engine, cabinet)
    conversation.assert_said("Не больше 15 000 ₽")
    await conversation.send("20 000")
    conversation.assert_said("Это больше, чем можно вернуть по этому платежу. Не больше 15 000 ₽.")
    await conversation.send("сто")
    conversation.assert_said("Не получилось разобрать сумму")
    await conversation.send("5 000,50")
    await conversation.press("На банковский счёт")
    await conversation.send("04452522")
    conversation.assert_said("В БИК ровно 9 цифр")
    await conversation.send(SBER_BIK)
    await conversation.send("40817810938160925983")
    conversation.assert_said("Номер счёта не сходится с БИК по контрольному ключу")
    await conversation.send(SBER_ACCOUNT)
    await conversation.send("Анна")
    conversation.assert_said("Напишите фамилию и имя полностью")
    await conversation.send("Петрова Анна Сергеевна")

    summary = conversation.texts[-1]
    assert "Сумма: 5 000,50 ₽" in summary
    assert "Куда: счёт **** 5982" in summary
    assert "Получатель: Петрова Анна Сергеевна" in summary
    assert SBER_ACCOUNT not in summary
    assert await cabinet.payments.list_refunds(anna) == []

    await conversation.press("Подтвердить")
    conversation.assert_said("Заявление В-000001 принято. Статус: подано.")
    assert SBER_ACCOUNT not in str(conversation.slots)
    [refund] = await cabinet.payments.list_refunds(anna)
    assert (refund.amount, refund.payout_kind, refund.payout_masked) == (
        Decimal("5000.50"),
        "account",
        "**** 5982",
    )

    await cabinet.payments.change_refund_status(refund.public_id, "in_review")
    await conversation.press("Мои заявления")
    conversation.assert_said("В-000001 от 02.03.2026 · 5 000,50 ₽ · на рассмотрении")


async def test_a_refund_to_a_card_checked_by_luhn(
    engine: DialogEngine, cabinet: CabinetServices, anna: int
) -> None:
    await refundable_payment(cabinet, anna)
    conversation = await start_refund(engine, cabinet)
    await conversation.send("15000")
    await conversation.press("На карту")
    await conversation.send("4111 1111 1111 1112")
    conversation.assert_said("Такого номера карты не бывает")
    await conversation.send("4111 1111 1111 1111")
    await conversation.send("Петрова Анна")
    conversation.assert_said("Куда: карта **** 1111")
    await conversation.press("Подтвердить")
    conversation.assert_said("принято")
    [refund] = await cabinet.payments.list_refunds(anna)
    assert (refund.amount, refund.payout_kind) == (Decimal("15000.00"), "card")


async def test_a_cancelled_refund_stores_nothing(
    engine: DialogEngine, cabinet: CabinetServices, anna: int
) -> None:
    await refundable_payment(cabinet, anna)
    conversation = await start_refund(engine, cabinet)
    await conversation.send("100")
    await conversation.press("На карту")
    await conversation.send("4111111111111111")
    await conversation.send("Петрова Анна")
    await conversation.press("Отмена")
    conversation.assert_said("заявление не подано")
    assert await cabinet.payments.list_refunds(anna) == []
    assert conversation.slots.get("refund_card") is None


async def test_nothing_to_refund_and_no_applications(
    engine: DialogEngine, cabinet: CabinetServices, anna: int
) -> None:
    conversation = await verified_chat(engine, cabinet)
    await conversation.press("Возврат средств")
    await conversation.press("Подать заявление")
    conversation.assert_said("Сейчас нет платежей, по которым можно оформить возврат")
    assert conversation.button_titles == ["Отмена"]
    await conversation.press("Отмена")
    await conversation.press("Возврат средств")
    await conversation.press("Мои заявления")
    conversation.assert_said("Вы ещё не подавали заявлений на возврат")


async def test_a_new_request_keeps_the_file_sent_from_the_messenger(
    engine: DialogEngine, cabinet: CabinetServices, anna: int
) -> None:
    conversation = await verified_chat(engine, cabinet)
    await conversation.press("Новое обращение")
    await conversation.press("Трудовые споры")
    await conversation.press("Обычный вопрос")
    await conversation.send("Работодатель не выплатил зарплату за два месяца")
    await conversation.send_file("trudovoy.pdf")
    await conversation.press("Письменно")
    await conversation.press("Отправить")
    conversation.assert_said("Обращение №1 принято, ответим до 04.03.2026 12:30")

    page = await cabinet.requests.list_requests(anna)
    [request] = page.items
    assert [attachment.file_name for attachment in request.attachments] == ["trudovoy.pdf"]

    await conversation.press("Мои обращения")
    await conversation.press("№1 · Трудовые споры · новое")
    conversation.assert_said("Обращение №1 · Трудовые споры")
    conversation.assert_said("Документы: trudovoy.pdf")


async def test_a_photo_without_a_name_is_listed_in_the_card_too(
    engine: DialogEngine, cabinet: CabinetServices, anna: int
) -> None:
    photo = FileRef(kind=MediaKind.IMAGE, channel=Channel.WHATSAPP, file_id="wa-photo-1")
    scan = FileRef(channel=Channel.TELEGRAM, file_id="tg-doc-1", file_name="dogovor.pdf")
    await cabinet.requests.create_request(
        anna,
        topic="housing",
        description="Соседи затопили квартиру",
        answer_format="oral",
        channel="whatsapp",
        attachments=[scan, photo],
    )
    conversation = await verified_chat(engine, cabinet)
    await conversation.press("Мои обращения")
    await conversation.press("№1 · Жильё и недвижимость · новое")
    conversation.assert_said("Документы: dogovor.pdf, файл без имени")


async def test_the_cabinet_in_english(engine: DialogEngine, cabinet: CabinetServices, anna: int) -> None:
    public_id = await new_request(cabinet, anna)
    await cabinet.request_events.change_status(public_id, "in_work", actor="lawyer")
    conversation = await verified_chat(engine, cabinet, locale="en")
    await conversation.send("menu")
    await conversation.press("My requests")
    assert conversation.button_titles[0] == "No. 1 · Family law · in progress"
    assert conversation.buttons[0].description == "we will answer by 03.03 12:30"
    await conversation.press("No. 1 · Family law · in progress")
    conversation.assert_said("Request No. 1 · Family law")
    conversation.assert_said("Status: in progress, we will answer by 03.03.2026 12:30")


def _leaves(tree: Any, prefix: str = "") -> set[str]:
    """Text keys; a plural text (forms by CLDR category) is one text whatever forms its language has."""
    if not isinstance(tree, dict) or is_plural_entry(tree):
        return {prefix}
    return set().union(*(_leaves(value, f"{prefix}.{key}".lstrip(".")) for key, value in tree.items()))


def test_both_catalogs_have_the_same_texts() -> None:
    yaml = YAML(typ="safe")
    ru, en = (
        yaml.load((LEGAL_DIR / "locales" / f"{locale}.yaml").read_text("utf-8")) for locale in ("ru", "en")
    )
    assert _leaves(ru) == _leaves(en)
