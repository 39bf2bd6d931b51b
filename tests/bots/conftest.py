"""The demo app as a Telegram user meets it (the app fixtures ``stack``, ``demo`` and ``http`` are in
tests/conftest.py)."""

from __future__ import annotations

import aiohttp
import pytest

from tests.support.telegram_user import TelegramUser


@pytest.fixture
def user(http: aiohttp.ClientSession, demo: str) -> TelegramUser:
    return TelegramUser(http, demo, user_id=5001)
