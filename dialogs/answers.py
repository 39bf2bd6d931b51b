"""What a client's message means as an answer to an ask: a value, or why it is not one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from adapters.phones import normalize_phone
from adapters.types import Channel, ContactShared, FileBody, FileRef, LocationBody, TextBody
from dialogs.date_input import parse_moment
from dialogs.model import Ask
from dialogs.schema import SystemTexts

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True, slots=True)
class Accepted:
    value: Any


@dataclass(frozen=True, slots=True)
class Rejected:
    text_key: str
    params: dict[str, Any] = field(default_factory=dict)
    numbered_key: str | None = None
    """Said instead where the choices come numbered in the text (``Reply.numbered_text``)."""
    typed_contact_key: str | None = None
    """Said instead where the channel has no share-phone button (``Reply.typed_contact_text``)."""


def file_value(body: FileBody, channel: Channel) -> dict[str, Any]:
    """A received file as a slot holds it: a :class:`FileRef`'s JSON (``slots.x.file_name``...)."""
    return FileRef.received(body, channel).as_json()


def contact_value(body: ContactShared) -> dict[str, Any]:
    return {"phone": normalize_phone(body.phone) or body.phone, "verified": body.verified}


def interpret(
    ask: Ask, body: Any, texts: SystemTexts, channel: Channel, now: datetime | None = None
) -> Accepted | Rejected:
    """``channel`` is where the message came from: a file's id is valid only there; ``now``, when
    the client wrote, in the client's time zone (dates are read from there)."""
    match ask.expect:
        case None:
            return Rejected(texts.choose_button, numbered_key=texts.choose_number)
        case "text":
            return _text(ask, body, texts) if isinstance(body, TextBody) else _wrong_kind(body, texts)
        case "phone":
            return _phone(ask, body, texts)
        case "number":
            return _number(ask, body, texts) if isinstance(body, TextBody) else _wrong_kind(body, texts)
        case "email":
            return _email(ask, body, texts) if isinstance(body, TextBody) else _wrong_kind(body, texts)
        case "contact":
            return _contact(ask, body, texts)
        case "file":
            return (
                Accepted(file_value(body, channel))
                if isinstance(body, FileBody)
                else Rejected(texts.expected_file)
            )
        case "any":
            return _any(ask, body, texts, channel)
        case "date" | "datetime":
            if not isinstance(body, TextBody):
                return _wrong_kind(body, texts)
            return _moment(ask, body, texts, now or datetime.now(UTC))
    raise AssertionError(ask.expect)


def _wrong_kind(body: Any, texts: SystemTexts) -> Rejected:
    return Rejected(texts.unsupported_input)


def _text(ask: Ask, body: TextBody, texts: SystemTexts) -> Accepted | Rejected:
    text = body.text.strip()
    if ask.min_length is not None and len(text) < ask.min_length:
        return Rejected(ask.invalid or texts.too_short, {"min": ask.min_length})
    if ask.max_length is not None and len(text) > ask.max_length:
        return Rejected(ask.invalid or texts.too_long, {"max": ask.max_length})
    if ask.pattern is not None and ask.pattern.fullmatch(text) is None:
        return Rejected(ask.invalid or texts.invalid_answer)
    if not text:
        return Rejected(ask.invalid or texts.too_short, {"min": 1})
    return Accepted(text)


def _phone(ask: Ask, body: Any, texts: SystemTexts) -> Accepted | Rejected:
    if isinstance(body, ContactShared):
        return Accepted(normalize_phone(body.phone) or body.phone)
    if not isinstance(body, TextBody):
        return _wrong_kind(body, texts)
    phone = normalize_phone(body.text)
    return Accepted(phone) if phone else Rejected(ask.invalid or texts.invalid_phone)


def _number(ask: Ask, body: TextBody, texts: SystemTexts) -> Accepted | Rejected:
    try:
        number = float(body.text.strip().replace(" ", "").replace(",", "."))
    except ValueError:
        return Rejected(ask.invalid or texts.invalid_number)
    if number != number or number in (float("inf"), float("-inf")):
        return Rejected(ask.invalid or texts.invalid_number)
    too_small = ask.minimum is not None and number < ask.minimum
    too_big = ask.maximum is not None and number > ask.maximum
    if too_small or too_big:
        return Rejected(
            ask.invalid or texts.number_out_of_range,
            {"min": _plain_number(ask.minimum), "max": _plain_number(ask.maximum)},
        )
    return Accepted(_plain_number(number))


def _plain_number(number: float | None) -> int | float | None:
    if number is not None and number.is_integer():
        return int(number)
    return number


def _email(ask: Ask, body: TextBody, texts: SystemTexts) -> Accepted | Rejected:
    text = body.text.strip()
    return Accepted(text) if _EMAIL.fullmatch(text) else Rejected(ask.invalid or texts.invalid_email)


def _moment(ask: Ask, body: TextBody, texts: SystemTexts, now: datetime) -> Accepted | Rejected:
    """An ISO 8601 string with the client's offset: «2026-11-25T15:00:00+03:00»; a date alone is
    that day's midnight."""
    wants_time = ask.expect == "datetime"
    refused = Rejected(ask.invalid or (texts.invalid_datetime if wants_time else texts.invalid_date))
    named = parse_moment(body.text, now)
    if named is None or (wants_time and named.time_of_day is None):
        return refused
    moment = datetime.combine(named.day, (named.time_of_day if wants_time else None) or time(), now.tzinfo)
    past = moment <= now if wants_time else named.day < now.date()
    if ask.future and past:
        return Rejected(ask.invalid or texts.past_date)
    return Accepted(moment.isoformat())


def _contact(ask: Ask, body: Any, texts: SystemTexts) -> Accepted | Rejected:
    if isinstance(body, ContactShared):
        return Accepted(contact_value(body))
    if isinstance(body, TextBody) and (phone := normalize_phone(body.text)):
        return Accepted({"phone": phone, "verified": False})
    if ask.invalid:
        return Rejected(ask.invalid)
    return Rejected(texts.expected_contact, typed_contact_key=texts.expected_contact_typed)


def _any(ask: Ask, body: Any, texts: SystemTexts, channel: Channel) -> Accepted | Rejected:
    if isinstance(body, TextBody):
        return _text(ask, body, texts)
    if isinstance(body, FileBody):
        return Accepted(file_value(body, channel))
    if isinstance(body, ContactShared):
        return Accepted(contact_value(body))
    if isinstance(body, LocationBody):
        return Accepted({"latitude": body.latitude, "longitude": body.longitude})
    return _wrong_kind(body, texts)
