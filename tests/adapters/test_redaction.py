"""What counts as a card, account or document number, and what is left alone."""

from __future__ import annotations

import pytest

from adapters.redaction import mask_sensitive, mask_sensitive_data, redact_for_logs


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Карта 4111 1111 1111 1111, срок 12/26", "Карта **** 1111, срок 12/26"),
        ("card 4111-1111-1111-1111", "card **** 1111"),
        ("4111111111111111", "**** 1111"),
        ("карта 6762 0000 0000 0000 003", "карта **** 0003"),
        ("счёт 40817810938160925982, БИК 044525225", "счёт **** 5982, БИК 044525225"),
        ("р/с 40817 810 9 3816 0925982", "р/с **** 5982"),
        ("4081 7810 9381 6092 5982", "**** 5982"),
        ("паспорт 45 06 123456 выдан", "паспорт ** ** ****** выдан"),
        ("Паспорт: серия 4506 номер 123456", "Паспорт: серия ** ** ******"),
        ("passport 4506123456", "passport ** ** ******"),
        ("45 06 123456", "** ** ******"),
        ("CVV 123", "CVV ***"),
    ],
)
def test_numbers_are_masked(text: str, masked: str) -> None:
    assert mask_sensitive(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Здравствуйте, у меня вопрос по договору",
        "телефон +7 916 123-45-67",
        "обращение 2024-000123 от 12.11.2026",
        "сумма 150000 рублей, БИК 044525225",
        "ИНН 7707083893",
        "9161234567",
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask_sensitive(text) == text


def test_masking_is_idempotent() -> None:
    once = mask_sensitive("карта 4111 1111 1111 1111 и счёт 40817810938160925982")
    assert mask_sensitive(once) == once


def test_data_is_masked_inside_dicts_and_lists() -> None:
    data = {"text": "4111 1111 1111 1111", "buttons": [{"title": "счёт 40817810938160925982"}], "n": 4}
    assert mask_sensitive_data(data) == {
        "text": "**** 1111",
        "buttons": [{"title": "счёт **** 5982"}],
        "n": 4,
    }


@pytest.mark.parametrize(
    "text", ["+7 916 123-45-67", "+79161234567", "89161234567", "wa_id=79161234567", "+380 50 123 4567"]
)
def test_logs_lose_phone_numbers_too(text: str) -> None:
    redacted = redact_for_logs(text)
    assert "1234" not in redacted
    assert redacted.endswith("67")
