"""Asks whose choices come from an action's records, paged by the engine, driven as a client would."""

from __future__ import annotations

from dialogs.actions import RemoteActions
from dialogs.model import CompiledBot
from tests.dialogs.harness import DialogHarness


async def test_a_list_shows_one_page_with_the_next_page_and_the_designers_buttons(
    lab_bot: CompiledBot,
) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.send("cases")
    assert flow.texts == ["Дела (всего 12):\nСтраница 1 из 4"]
    flow.assert_buttons("Дело №1", "Дело №2", "Дело №3", "Далее →", "Назад в начало")
    assert [button.description for button in flow.buttons[:3]] == ["open", "open", "open"]
    assert len(flow.last.replies if flow.last else ()) == 1, "the page and its navigation are one message"


async def test_turning_pages_forward_and_back_then_choosing(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.send("cases")
    await flow.press("Далее →")
    assert flow.texts == ["Дела (всего 12):\nСтраница 2 из 4"]
    flow.assert_buttons("Дело №4", "Дело №5", "Дело №6", "← Назад", "Далее →", "Назад в начало")
    assert flow.slots.get("case") is None, "turning a page answers nothing"
    await flow.send("далее")
    await flow.send("Далее!")
    flow.assert_buttons("Дело №10", "Дело №11", "Дело №12", "← Назад", "Назад в начало")
    await flow.press("← Назад")
    assert flow.texts == ["Дела (всего 12):\nСтраница 3 из 4"]
    await flow.send("2")
    assert flow.texts == ["Выбрано case-8"]
    assert flow.slots["case"] == "case-8"


async def test_the_designers_buttons_still_lead_away(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.send("cases")
    await flow.press("Далее →")
    await flow.press("Назад в начало")
    assert flow.texts == ["Привет, Анна!", "Что проверим?"]


async def test_an_action_may_give_every_record_and_the_engine_cuts_pages(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.send("all cases")
    assert flow.texts == ["Дела (всего 12):\nСтраница 1 из 3"]
    flow.assert_buttons("1", "2", "3", "4", "5", "Далее →")
    await flow.press("Далее →")
    await flow.press("Далее →")
    flow.assert_buttons("11", "12", "← Назад")
    await flow.press("12")
    assert flow.texts == ["Выбрано case-12"]


async def test_a_page_past_the_end_of_a_shrunk_list_shows_the_last_one(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.send("cases")
    await flow.press("Далее →")
    await flow.press("Далее →")
    assert flow.session is not None
    flow.session.slots["case_count"] = 4
    await flow.press("Далее →")
    assert flow.texts == ["Дела (всего 4):\nСтраница 2 из 2"]
    flow.assert_buttons("Дело №4", "← Назад", "Назад в начало")


async def test_a_reask_shows_the_same_page_again(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.send("cases")
    await flow.press("Далее →")
    await flow.send_sticker()
    assert flow.texts == ["Выберите кнопку", "Дела (всего 12):\nСтраница 2 из 4"]
    flow.assert_buttons("Дело №4", "Дело №5", "Дело №6", "← Назад", "Далее →", "Назад в начало")


async def test_a_button_of_an_earlier_page_is_stale(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.send("cases")
    first_case = flow.buttons[0].payload
    await flow.press("Далее →")
    await flow.press_payload(first_case)
    assert flow.texts[0] == "Кнопка неактивна"
    assert flow.slots.get("case") is None


async def test_a_refusing_list_action_leaves_by_on_error(lab_bot: CompiledBot) -> None:
    flow = DialogHarness.for_bot(lab_bot)
    await flow.send("forbidden")
    assert flow.texts == ["Not yours", "Привет, Анна!", "Что проверим?"]


async def test_a_list_from_a_real_action_server(lab_bot: CompiledBot, action_server_url: str) -> None:
    remote = RemoteActions(action_server_url, ["case_page"], timeout=5)
    try:
        flow = DialogHarness.for_bot(lab_bot, actions=remote)
        await flow.send("cases")
        await flow.press("Далее →")
        flow.assert_buttons("Дело №4", "Дело №5", "Дело №6", "← Назад", "Далее →", "Назад в начало")
        await flow.press("Дело №5")
        assert flow.texts == ["Выбрано case-5"]
    finally:
        await remote.close()
