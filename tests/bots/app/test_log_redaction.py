"""The demo at DEBUG, as an operator reads its log: no card numbers, no phones, no message texts
from third-party libraries."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from bots.app.log_redaction import RedactingFilter
from tests.support.app import free_port
from tests.support.telegram_user import TelegramUser
from tests.support.whatsapp_user import WhatsAppUser

ROOT = Path(__file__).resolve().parents[3]
PHONE_DIGITS = "9161234567"
WHATSAPP_ID = "79990007788"
CARD = "4111 1111 1111 1111"
SECRET_TEXT = "Мой секретный вопрос про наследство"


async def _wait_healthy(
    http: aiohttp.ClientSession, base_url: str, process: asyncio.subprocess.Process
) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.returncode is None, "the demo exited"
        try:
            async with http.get(base_url + "/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("the demo did not become healthy")


async def test_a_debug_log_of_the_demo_holds_no_phones_cards_or_texts(
    http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("OMNICAB_")}
    env |= {
        "OMNICAB_LOG_LEVEL": "DEBUG",
        "OMNICAB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}",
        "OMNICAB_DATA_DIR": str(tmp_path / "var"),
    }
    log_path = tmp_path / "omnicab.log"
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bots.app.cli", "run", "--demo", "--port", str(port),
            cwd=ROOT, env=env, stdout=log_file, stderr=log_file,
        )  # fmt: skip
        try:
            await _wait_healthy(http, base_url, process)
            telegram = TelegramUser(http, base_url, user_id=7801, first_name="Анна")
            await telegram.send("/start")
            assert await telegram.send(f"Карта {CARD}, телефон +7 {PHONE_DIGITS}. {SECRET_TEXT}")
            await telegram.share_contact(f"+7{PHONE_DIGITS}")
            whatsapp = WhatsAppUser(http, base_url, wa_id=WHATSAPP_ID, name="Пётр")
            assert await whatsapp.send(f"Здравствуйте, карта {CARD}")
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=60)

    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert " DEBUG " in log, "the log ran at DEBUG"
    for leaked in (CARD, CARD.replace(" ", ""), PHONE_DIGITS, WHATSAPP_ID, SECRET_TEXT):
        assert leaked not in log, leaked


def test_the_filter_masks_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.redaction")
    caplog.handler.addFilter(RedactingFilter())
    with caplog.at_level(logging.DEBUG, logger="tests.redaction"):
        logger.debug("client %s wrote %r", "+79161234567", "карта 4111 1111 1111 1111")
        try:
            raise ValueError("account 40817810938160925982")
        except ValueError:
            logger.exception("failed")
    assert "4111" not in caplog.text
    assert "79161234567" not in caplog.text
    assert "40817810938160925982" not in caplog.text
    assert "**** 1111" in caplog.text
