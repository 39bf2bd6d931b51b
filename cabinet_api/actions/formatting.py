"""Dates, money and durations as the client reads them in the chat (Moscow time, their locale)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

CLIENT_TIMEZONE = ZoneInfo("Europe/Moscow")
DUE_FORMAT = "%d.%m.%Y %H:%M"
SHORT_FORMAT = "%d.%m %H:%M"
DATE_FORMAT = "%d.%m.%Y"
CURRENCY_SIGN = "₽"


def format_due(moment: datetime) -> str:
    """``DD.MM.YYYY HH:MM`` in Moscow time."""
    return moment.astimezone(CLIENT_TIMEZONE).strftime(DUE_FORMAT)


def format_short(moment: datetime) -> str:
    """``DD.MM HH:MM`` in Moscow time, for button titles."""
    return moment.astimezone(CLIENT_TIMEZONE).strftime(SHORT_FORMAT)


def format_date(moment: datetime) -> str:
    return moment.astimezone(CLIENT_TIMEZONE).strftime(DATE_FORMAT)


def format_duration(seconds: int) -> str:
    """``3:07``, or ``1:02:07`` from an hour up."""
    minutes, second = divmod(max(seconds, 0), 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours}:{minute:02d}:{second:02d}" if hours else f"{minute}:{second:02d}"


def format_money(amount: Decimal, locale: str) -> str:
    """Roubles: ``1 500,50 ₽`` in Russian, ``1,500.50 ₽`` in English; whole sums without kopecks."""
    whole = amount == amount.to_integral_value()
    text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    if locale == "ru":
        text = text.replace(",", " ").replace(".", ",")
    return f"{text} {CURRENCY_SIGN}"
