"""`expect: date` and `expect: datetime`: a client types a day or a time as people write them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dialogs.loader import BotLoadError, load_bot
from dialogs.turn import ClientView
from tests.dialogs.harness import DialogHarness

MOSCOW = ZoneInfo("Europe/Moscow")
THURSDAY_MORNING = datetime(2026, 11, 26, 10, 0, tzinfo=MOSCOW)
"""Thursday 26 November 2026, 10:00 in Moscow: when the client writes in these tests."""

BOT = "name: callback\nlocales: [ru, en]\nstart: menu\n"
FLOWS = """\
flows:
  menu:
    steps:
      - ask:
          text: "{{ t.when_call }}"
          expect: datetime
          future: true
          save_as: call_at
      - say: "{{ t.call_booked | format(at=slots.call_at) }}"
      - ask:
          text: "{{ t.when_happened }}"
          expect: date
          save_as: happened_on
      - say: "{{ t.noted | format(on=slots.happened_on) }}"
      - end
"""
TEXTS = {
    "ru": 'when_call: "Когда вам перезвонить?"\ncall_booked: "Перезвоним {at}."\n'
    'when_happened: "Когда это случилось?"\nnoted: "Записали: {on}."\n',
    "en": 'when_call: "When shall we call you?"\ncall_booked: "We will call you {at}."\n'
    'when_happened: "When did it happen?"\nnoted: "Noted: {on}."\n',
}


def _bot_dir(tmp_path: Path, bot: str = BOT, flows: str = FLOWS) -> Path:
    root = tmp_path / "callback"
    (root / "flows").mkdir(parents=True)
    (root / "locales").mkdir()
    (root / "bot.yaml").write_text(bot, encoding="utf-8")
    (root / "flows" / "main.yaml").write_text(flows, encoding="utf-8")
    for locale, texts in TEXTS.items():
        (root / "locales" / f"{locale}.yaml").write_text(texts, encoding="utf-8")
    return root


def _chat(tmp_path: Path, *, locale: str = "ru", time_zone: str | None = None) -> DialogHarness:
    bot = load_bot(_bot_dir(tmp_path))
    chat = DialogHarness.for_bot(bot, locale=locale)
    if time_zone is not None:
        chat.client = ClientView(
            id="client-1", first_name="Анна", locale=locale, extra={"time_zone": time_zone}
        )
    chat.now = THURSDAY_MORNING
    return chat


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("завтра в 15:00", "2026-11-27T15:00:00+03:00"),
        ("послезавтра 9:30", "2026-11-28T09:30:00+03:00"),
        ("25 декабря 15:00", "2026-12-25T15:00:00+03:00"),
        ("в пятницу в 12:00", "2026-11-27T12:00:00+03:00"),
        ("27.11 10:30", "2026-11-27T10:30:00+03:00"),
        ("01.12.2026 18:00", "2026-12-01T18:00:00+03:00"),
        ("15:30", "2026-11-26T15:30:00+03:00"),
        ("9:00", "2026-11-27T09:00:00+03:00"),
        ("tomorrow at 3pm", "2026-11-27T15:00:00+03:00"),
        ("Dec 3 10:00", "2026-12-03T10:00:00+03:00"),
        ("2026-12-01T12:00:00+00:00", "2026-12-01T15:00:00+03:00"),
    ],
)
async def test_a_time_for_a_call_back_is_saved_with_the_offset(
    tmp_path: Path, typed: str, saved: str
) -> None:
    chat = _chat(tmp_path)
    await chat.start()
    await chat.send(typed)
    assert chat.slots["call_at"] == saved
    chat.assert_reply("Когда это случилось?")


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("сегодня", "2026-11-26"),
        ("вчера 25.11", None),
        ("25.11", "2026-11-25"),
        ("25 ноября", "2026-11-25"),
        ("3 января", "2027-01-03"),
        ("25.11.2025", "2025-11-25"),
        ("в понедельник", "2026-11-30"),
        ("Nov 20", "2026-11-20"),
        ("2026-10-01", "2026-10-01"),
    ],
)
async def test_a_day_is_read_in_russian_and_english(tmp_path: Path, typed: str, saved: str | None) -> None:
    chat = _chat(tmp_path)
    await chat.start()
    await chat.send("завтра 12:00")
    await chat.send(typed)
    if saved is None:
        chat.assert_reply("Не получилось понять дату. Напишите, например: «завтра», «25.11» или «25 ноября».")
        assert "happened_on" not in chat.slots
    else:
        assert chat.slots["happened_on"] == f"{saved}T00:00:00+03:00"


async def test_a_past_time_is_refused_when_the_ask_wants_one_ahead(tmp_path: Path) -> None:
    chat = _chat(tmp_path)
    await chat.start()
    await chat.send("25.11 15:00")
    assert chat.texts == [
        "Эта дата уже прошла. Назовите, пожалуйста, день впереди — например, «завтра».",
        "Когда вам перезвонить?",
    ]
    await chat.send("сегодня 9:00")
    chat.assert_reply("Эта дата уже прошла.")
    assert "call_at" not in chat.slots


async def test_a_day_without_a_time_gets_the_format_hint(tmp_path: Path) -> None:
    chat = _chat(tmp_path)
    await chat.start()
    for typed in ("завтра", "когда-нибудь", "31.02 10:00", "25:00"):
        await chat.send(typed)
        assert chat.texts[0].startswith(
            "Не получилось понять дату и время. Напишите, например: «завтра в 15:00»"
        )
    assert "call_at" not in chat.slots


async def test_the_hint_is_in_english_for_an_english_client(tmp_path: Path) -> None:
    chat = _chat(tmp_path, locale="en")
    await chat.start()
    await chat.send("someday")
    chat.assert_reply('Please write, for example, "tomorrow at 15:00"')
    await chat.send("on Friday 11:00")
    assert chat.slots["call_at"] == "2026-11-27T11:00:00+03:00"


async def test_the_clients_own_time_zone_is_used_when_known(tmp_path: Path) -> None:
    chat = _chat(tmp_path, time_zone="Asia/Yekaterinburg")
    await chat.start()
    await chat.send("завтра в 15:00")
    assert chat.slots["call_at"] == "2026-11-27T15:00:00+05:00"


async def test_the_saved_time_renders_with_the_datetime_filter(tmp_path: Path) -> None:
    flows = FLOWS.replace("format(at=slots.call_at)", "format(at=slots.call_at | datetime)")
    bot = load_bot(_bot_dir(tmp_path, flows=flows))
    chat = DialogHarness.for_bot(bot)
    chat.now = THURSDAY_MORNING
    await chat.start()
    await chat.send("в пятницу в 15:00")
    chat.assert_reply("Перезвоним 27 ноября в 15:00 по Москве.")


async def test_the_bot_reads_dates_in_its_own_time_zone(tmp_path: Path) -> None:
    bot = load_bot(_bot_dir(tmp_path, bot=BOT + "time_zone: Asia/Vladivostok\n"))
    chat = DialogHarness.for_bot(bot)
    chat.now = THURSDAY_MORNING  # 17:00 in Vladivostok: 15:30 there has passed
    await chat.start()
    await chat.send("15:30")
    assert chat.slots["call_at"] == "2026-11-27T15:30:00+10:00"


def test_an_unknown_time_zone_and_future_on_text_are_load_errors(tmp_path: Path) -> None:
    root = _bot_dir(tmp_path, bot=BOT + "time_zone: Europe/Mosocw\n")
    with pytest.raises(BotLoadError, match="unknown time zone 'Europe/Mosocw'"):
        load_bot(root)
    (root / "bot.yaml").write_text(BOT, encoding="utf-8")
    (root / "flows" / "main.yaml").write_text(
        FLOWS.replace("expect: date\n", "future: true\n"), encoding="utf-8"
    )
    with pytest.raises(BotLoadError, match="'future' applies to 'expect: date'"):
        load_bot(root)


async def test_a_time_shows_in_the_bots_zone_to_a_client_whose_zone_is_not_known(tmp_path: Path) -> None:
    flows = FLOWS.replace("format(at=slots.call_at)", "format(at=slots.call_at | datetime)")
    bot = load_bot(_bot_dir(tmp_path, bot=BOT + "time_zone: Asia/Yekaterinburg\n", flows=flows))
    chat = DialogHarness.for_bot(bot)
    chat.now = THURSDAY_MORNING
    await chat.start()
    await chat.send("завтра в 15:00")
    assert chat.slots["call_at"] == "2026-11-27T15:00:00+05:00"
    chat.assert_reply("Перезвоним 27 ноября в 15:00 по Екатеринбургу.")
