"""The one place that knows what a card, account or document number looks like, and hides it.

History, dialog sessions and logs keep what a client wrote minus these numbers: a payment card
(16-19 digits, grouped by four with spaces or dashes or not at all), a Russian bank account
(20 digits, also written ``40817 810 0 0000 0000001``), a passport (series and number,
``45 06 123456``, or ten digits after the word "паспорт"/"passport"/"серия") and a card's
CVC. Cards and accounts keep their last four digits, so people can still tell which one was meant.
For logs, :func:`redact_for_logs` also hides phone numbers.
"""

from __future__ import annotations

import re
from typing import Any, Final

VISIBLE_DIGITS: Final = 4
PASSPORT_MASK: Final = "** ** ******"

_ACCOUNT = re.compile(
    r"(?<!\d)(?:\d{20}|\d{5}[ .\-]\d{3}[ .\-]\d[ .\-]\d{4}[ .\-]\d{7}|\d{4}(?:[ \-]\d{4}){4})(?!\d)"
)
_CARD = re.compile(r"(?<!\d)(?:\d{16,19}|\d{4}([ \-])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?)(?!\d)")
_PASSPORT_AFTER_WORD = re.compile(
    r"(паспорт\w*|passport|сери[яиюей]|series)([^\d\n]{0,24})\d{2} ?\d{2}[^\d\n]{0,8}?\d{6}(?!\d)",
    re.IGNORECASE,
)
_PASSPORT_FORMATTED = re.compile(r"(?<!\d)\d{2} \d{2} (?:№ ?)?\d{6}(?!\d)")
_CVC = re.compile(r"\b(cvv2?|cvc2?|cvp2?|cav2?)(\W{0,4})\d{3,4}(?!\d)", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_PHONE = re.compile(r"(?<![\w*])(?:\+\d(?:[ \-()]{0,2}\d){9,14}|[78](?:[ \-()]{0,2}\d){10})(?!\d)")


def _keep_last_digits(match: re.Match[str]) -> str:
    digits = "".join(char for char in match.group(0) if char.isdigit())
    return f"**** {digits[-VISIBLE_DIGITS:]}"


def mask_sensitive(text: str) -> str:
    """``text`` with card, account, passport and CVC numbers masked; anything else unchanged."""
    if _DIGIT.search(text) is None:
        return text  # every pattern needs a digit; most texts have none
    masked = _ACCOUNT.sub(_keep_last_digits, text)
    masked = _CARD.sub(_keep_last_digits, masked)
    masked = _PASSPORT_AFTER_WORD.sub(lambda m: f"{m.group(1)}{m.group(2)}{PASSPORT_MASK}", masked)
    masked = _PASSPORT_FORMATTED.sub(PASSPORT_MASK, masked)
    return _CVC.sub(lambda m: f"{m.group(1)}{m.group(2)}***", masked)


def mask_sensitive_data(value: Any) -> Any:
    """JSON-like data (dicts, lists, strings) with every string masked by :func:`mask_sensitive`."""
    if isinstance(value, str):
        return mask_sensitive(value)
    if isinstance(value, dict):
        return {key: mask_sensitive_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_sensitive_data(item) for item in value]
    return value


def has_sensitive(text: str) -> bool:
    return mask_sensitive(text) != text


def redact_for_logs(text: str) -> str:
    """Also hides phone numbers: international with ``+``, and Russian ones starting with 7 or 8
    (WhatsApp user ids are phone numbers without the ``+``)."""
    masked = mask_sensitive(text)
    return _PHONE.sub(lambda m: "+*******" + m.group(0)[-2:], masked)
