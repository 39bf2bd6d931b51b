"""Payout details: Bank of Russia control key, Luhn, holder names, and never a full number shown."""

from __future__ import annotations

import logging

import pytest

from cabinet_api.payouts import (
    InvalidPayout,
    PayoutDetails,
    mask_account,
    mask_card,
    validate_account,
    validate_bik,
    validate_card,
    validate_holder,
)

SBER_BIK = "044525225"
SBER_ACCOUNT = "40817810938160925982"
TINKOFF_BIK = "044525974"
TINKOFF_ACCOUNT = "40817810500012345678"
VISA_TEST_CARD = "4111111111111111"


@pytest.mark.parametrize("raw", ["044525225", " 044 525 225 ", "044-525-225"])
def test_bik_of_nine_digits_is_normalized(raw: str) -> None:
    assert validate_bik(raw) == SBER_BIK


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("04452522", "length"),
        ("0445252250", "length"),
        ("04452522O", "characters"),
    ],
)
def test_bad_bik_names_the_field_and_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidPayout) as caught:
        validate_bik(raw)
    assert (caught.value.field, caught.value.reason) == ("bik", reason)


@pytest.mark.parametrize(
    ("bik", "account"),
    [(SBER_BIK, SBER_ACCOUNT), (TINKOFF_BIK, TINKOFF_ACCOUNT), (SBER_BIK, "4081 7810 9381 6092 5982")],
)
def test_accounts_matching_their_bik_pass_the_control_key(bik: str, account: str) -> None:
    assert validate_account(bik, account) == account.replace(" ", "")


def test_every_single_digit_change_of_an_account_breaks_the_control_key() -> None:
    for position in range(20):
        for replacement in "0123456789":
            if replacement == SBER_ACCOUNT[position]:
                continue
            changed = SBER_ACCOUNT[:position] + replacement + SBER_ACCOUNT[position + 1 :]
            with pytest.raises(InvalidPayout) as caught:
                validate_account(SBER_BIK, changed)
            assert (caught.value.field, caught.value.reason) == ("account", "checksum")


def test_an_account_of_another_bank_fails_the_key() -> None:
    with pytest.raises(InvalidPayout) as caught:
        validate_account(TINKOFF_BIK, SBER_ACCOUNT)
    assert caught.value.reason == "checksum"


@pytest.mark.parametrize(
    ("account", "reason"), [("4081781093816092598", "length"), ("4081781093816092598x", "characters")]
)
def test_malformed_accounts(account: str, reason: str) -> None:
    with pytest.raises(InvalidPayout) as caught:
        validate_account(SBER_BIK, account)
    assert (caught.value.field, caught.value.reason) == ("account", reason)


def test_an_account_with_a_bad_bik_names_the_bik() -> None:
    with pytest.raises(InvalidPayout) as caught:
        validate_account("12345", SBER_ACCOUNT)
    assert caught.value.field == "bik"


@pytest.mark.parametrize(
    "card",
    [
        VISA_TEST_CARD,
        "5555 5555 5555 4444",
        "2200-0000-0000-0004",
        "6762000000000000009",
        "22000000000000004",
    ],
)
def test_cards_of_16_to_19_digits_with_a_valid_luhn_digit(card: str) -> None:
    assert validate_card(card) == card.replace(" ", "").replace("-", "")


@pytest.mark.parametrize(
    ("card", "reason"),
    [
        ("4111111111111112", "checksum"),
        ("411111111111111", "length"),
        ("41111111111111111111", "length"),
        ("4111 1111 1111 111I", "characters"),
        ("", "empty"),
    ],
)
def test_bad_cards(card: str, reason: str) -> None:
    with pytest.raises(InvalidPayout) as caught:
        validate_card(card)
    assert (caught.value.field, caught.value.reason) == ("card", reason)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Петрова Анна Сергеевна", "Петрова Анна Сергеевна"),
        ("  Анна-Мария   Иванова ", "Анна-Мария Иванова"),
        ("Anna O'Neil", "Anna O'Neil"),
        ("Петров П.", "Петров П."),
    ],
)
def test_holder_names(raw: str, expected: str) -> None:
    assert validate_holder(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("", "empty"), ("Анна", "words"), ("Анна 2Петрова", "characters"), ("Анна " + "П" * 100, "length")],
)
def test_bad_holder_names(raw: str, reason: str) -> None:
    with pytest.raises(InvalidPayout) as caught:
        validate_holder(raw)
    assert (caught.value.field, caught.value.reason) == ("holder", reason)


def test_masks_show_the_last_four_digits_only() -> None:
    assert mask_account(SBER_ACCOUNT) == "**** 5982"
    assert mask_card("4111 1111 1111 1234") == "**** 1234"
    assert mask_card("") == "****"


def test_account_payout_details_are_validated_and_never_shown_in_full(
    caplog: pytest.LogCaptureFixture,
) -> None:
    details = PayoutDetails.to_account(holder="Петрова Анна", bik=" 044525225", account=SBER_ACCOUNT)

    assert (details.kind, details.bik, details.account, details.card) == (
        "account",
        SBER_BIK,
        SBER_ACCOUNT,
        None,
    )
    assert details.masked_number == "**** 5982"
    with caplog.at_level(logging.INFO):
        logging.getLogger("payouts-test").info("payout %s %r", details, details)
    for shown in (repr(details), str(details), f"{details}", caplog.text):
        assert SBER_ACCOUNT not in shown
        assert "Петрова" not in shown
        assert "**** 5982" in shown


def test_card_payout_details_are_validated_and_masked() -> None:
    details = PayoutDetails.to_card(holder="Anna Petrova", card="4111 1111 1111 1111")

    assert (details.kind, details.card, details.bik, details.account) == ("card", VISA_TEST_CARD, None, None)
    assert VISA_TEST_CARD not in repr(details)
    assert repr(details) == "PayoutDetails(kind='card', number='**** 1111')"


def test_payout_details_name_the_invalid_field() -> None:
    with pytest.raises(InvalidPayout) as caught:
        PayoutDetails.to_card(holder="Anna Petrova", card="4111111111111112")
    assert caught.value.field == "card"
    with pytest.raises(InvalidPayout) as caught:
        PayoutDetails.to_account(holder="Анна", bik=SBER_BIK, account=SBER_ACCOUNT)
    assert caught.value.field == "holder"


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "account", "holder": "A B", "bik": SBER_BIK},
        {
            "kind": "account",
            "holder": "A B",
            "bik": SBER_BIK,
            "account": SBER_ACCOUNT,
            "card": VISA_TEST_CARD,
        },
        {"kind": "card", "holder": "A B"},
        {"kind": "card", "holder": "A B", "card": VISA_TEST_CARD, "bik": SBER_BIK},
        {"kind": "cash", "holder": "A B"},
    ],
)
def test_inconsistent_details_are_refused(fields: dict[str, str]) -> None:
    with pytest.raises(InvalidPayout) as caught:
        PayoutDetails(**fields)  # type: ignore[arg-type]
    assert caught.value.field == "kind"
