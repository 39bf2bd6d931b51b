"""Refund payout details: validation by the Bank of Russia and card rules, and masking.

Full account and card numbers leave this module only through the fields of
:class:`PayoutDetails`; its ``repr`` and ``str`` show the last four digits, so logging one is safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

PayoutKind = Literal["account", "card"]
PayoutField = Literal["kind", "bik", "account", "card", "holder"]

BIK_LENGTH = 9
ACCOUNT_LENGTH = 20
CARD_LENGTHS = range(16, 20)
HOLDER_MAX_LENGTH = 100
VISIBLE_DIGITS = 4
MASK = "****"

_ACCOUNT_KEY_WEIGHTS = (7, 1, 3)
_SEPARATORS = re.compile(r"[\s\-]")
_HOLDER = re.compile(r"[A-Za-zА-Яа-яЁё]+(?:[\-'’.][A-Za-zА-Яа-яЁё]*)*")


class InvalidPayout(ValueError):
    """A payout field that fails validation; ``reason`` is one of
    ``empty``, ``characters``, ``length``, ``checksum``, ``words``."""

    def __init__(self, field: str, message: str, *, reason: str = "format") -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.reason = reason


def _digits(field: PayoutField, raw: str, lengths: range, what: str) -> str:
    compact = _SEPARATORS.sub("", raw)
    if not compact:
        raise InvalidPayout(field, f"{what} is empty", reason="empty")
    if not compact.isascii() or not compact.isdigit():
        raise InvalidPayout(field, f"{what} must contain digits only", reason="characters")
    if len(compact) not in lengths:
        expected = str(lengths.start) if len(lengths) == 1 else f"{lengths.start}-{lengths.stop - 1}"
        raise InvalidPayout(field, f"{what} must have {expected} digits", reason="length")
    return compact


def validate_bik(bik: str) -> str:
    """The BIK (bank identification code) as 9 digits; spaces and dashes are ignored."""
    return _digits("bik", bik, range(BIK_LENGTH, BIK_LENGTH + 1), "BIK")


def account_key_valid(bik: str, account: str) -> bool:
    """The Bank of Russia control key: the last 3 digits of the BIK and the 20 account digits,
    weighted 7, 1, 3 repeatedly, sum to a multiple of 10."""
    digits = bik[-3:] + account
    weights = _ACCOUNT_KEY_WEIGHTS * (len(digits) // len(_ACCOUNT_KEY_WEIGHTS) + 1)
    return sum(int(digit) * weight for digit, weight in zip(digits, weights, strict=False)) % 10 == 0


def validate_account(bik: str, account: str) -> str:
    """A 20-digit account number, checked against the (already valid) BIK by the control key."""
    checked_bik = validate_bik(bik)
    number = _digits("account", account, range(ACCOUNT_LENGTH, ACCOUNT_LENGTH + 1), "account number")
    if not account_key_valid(checked_bik, number):
        raise InvalidPayout("account", "the account does not match the BIK (control key)", reason="checksum")
    return number


def luhn_valid(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def validate_card(card: str) -> str:
    """A card number of 16 to 19 digits with a valid Luhn check digit."""
    number = _digits("card", card, CARD_LENGTHS, "card number")
    if not luhn_valid(number):
        raise InvalidPayout("card", "the card number fails the Luhn check", reason="checksum")
    return number


def validate_holder(name: str) -> str:
    """The account or card holder's full name: at least two words of letters, single-spaced."""
    words = name.split()
    if not words:
        raise InvalidPayout("holder", "the holder's name is empty", reason="empty")
    if not all(_HOLDER.fullmatch(word) for word in words):
        raise InvalidPayout("holder", "the holder's name may contain letters only", reason="characters")
    if len(words) < 2:
        raise InvalidPayout("holder", "give the surname and the name", reason="words")
    joined = " ".join(words)
    if len(joined) > HOLDER_MAX_LENGTH:
        raise InvalidPayout("holder", f"at most {HOLDER_MAX_LENGTH} characters", reason="length")
    return joined


def _mask(number: str) -> str:
    digits = "".join(char for char in number if char.isdigit())
    return f"{MASK} {digits[-VISIBLE_DIGITS:]}" if digits else MASK


def mask_account(account: str) -> str:
    """``40817810938160925982`` -> ``**** 5982``."""
    return _mask(account)


def mask_card(card: str) -> str:
    """``4111 1111 1111 1111`` -> ``**** 1111``."""
    return _mask(card)


@dataclass(frozen=True, slots=True)
class PayoutDetails:
    """Where a refund is paid: a bank account (BIK + account) or a card, and the holder.

    Build it with :meth:`to_account` or :meth:`to_card`, which validate every field.
    """

    kind: PayoutKind
    holder: str
    bik: str | None = None
    account: str | None = None
    card: str | None = None

    def __post_init__(self) -> None:
        if self.kind == "account":
            if self.bik is None or self.account is None or self.card is not None:
                raise InvalidPayout("kind", "an account payout needs a BIK and an account, no card")
        elif self.kind == "card":
            if self.card is None or self.bik is not None or self.account is not None:
                raise InvalidPayout("kind", "a card payout needs a card number only")
        else:
            raise InvalidPayout("kind", "the payout kind is 'account' or 'card'")

    @classmethod
    def to_account(cls, *, holder: str, bik: str, account: str) -> PayoutDetails:
        checked_bik = validate_bik(bik)
        return cls(
            kind="account",
            holder=validate_holder(holder),
            bik=checked_bik,
            account=validate_account(checked_bik, account),
        )

    @classmethod
    def to_card(cls, *, holder: str, card: str) -> PayoutDetails:
        return cls(kind="card", holder=validate_holder(holder), card=validate_card(card))

    @property
    def masked_number(self) -> str:
        """The account or card number with only its last four digits shown."""
        return mask_card(self.card) if self.card is not None else mask_account(self.account or "")

    def __repr__(self) -> str:
        bik = f", bik={self.bik!r}" if self.bik is not None else ""
        return f"PayoutDetails(kind={self.kind!r}{bik}, number={self.masked_number!r})"
