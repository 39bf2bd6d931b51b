"""The one phone normaliser: every phone becomes E.164 (``+79000000001``) or is refused.

The phone is the key that merges a client's identities across channels, so every part that
reads one (the adapters, the dialogs' phone questions, the cabinet and its REST API) normalises
it here: ``+7 900 000-00-01``, ``89000000001``, ``79000000001`` and ``+79000000001`` are one
number. A number without a country code is read as Russian; digits that are not a Russian
number but are a valid international one without its ``+`` (``380501234567``, as Viber and
WhatsApp send numbers) are read as international.
"""

from __future__ import annotations

from typing import Final

import phonenumbers

DEFAULT_REGION: Final = "RU"
MAX_INPUT_LENGTH: Final = 64
"""Longer text is not a phone number; phonenumbers itself refuses more than 250 characters."""


def normalize_phone(raw: str, *, region: str = DEFAULT_REGION) -> str | None:
    """E.164 form of ``raw``, or None when it is not a valid phone number."""
    text = raw.strip()
    if not text or len(text) > MAX_INPUT_LENGTH:
        return None
    parsed = _valid(text, region)
    if parsed is None and not text.startswith("+"):
        parsed = _valid("+" + text, None)
    if parsed is None:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _valid(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_valid_number(parsed) else None
