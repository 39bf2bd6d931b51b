"""Each adapter tells a send the platform surely did not take (retried) from one whose outcome is
unknown (the request left and no answer came: never repeated blindly)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from adapters.types import (
    Channel,
    ChannelAdapter,
    ConversationRef,
    OutcomeUnknown,
    RenderedMessage,
    SendError,
)
from tests.adapters.test_telegram import adapter as telegram
from tests.adapters.test_viber import adapter as viber
from tests.adapters.test_whatsapp import adapter as whatsapp
from tests.support.app import free_port

ADAPTERS: dict[str, tuple[Channel, Callable[[str], ChannelAdapter]]] = {
    "telegram": (Channel.TELEGRAM, lambda base: telegram(api_base=base)),
    "viber": (Channel.VIBER, lambda base: viber(api_base=base)),
    "whatsapp": (Channel.WHATSAPP, lambda base: whatsapp(api_base=base)),
}


@pytest.fixture
async def silent_platform() -> AsyncIterator[str]:
    """A platform that reads the whole request, then closes the connection without answering."""

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = [line.lower() for line in head.split(b"\r\n")]
        length = next((int(line[15:]) for line in lines if line.startswith(b"content-length:")), 0)
        await reader.readexactly(length)
        writer.transport.abort()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    server.close()
    await server.wait_closed()


def _message(channel: Channel) -> RenderedMessage:
    ref = ConversationRef(channel=channel, bot="legal", chat_id="111222333", user_id="111222333")
    return RenderedMessage(conversation=ref, text="Ответ юриста", idempotency_key="test:1:0")


@pytest.mark.parametrize("name", sorted(ADAPTERS))
async def test_a_refused_connection_is_a_send_error_that_may_be_retried(name: str) -> None:
    channel, build = ADAPTERS[name]
    adapter = build(f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(SendError) as raised:
            await adapter.send(_message(channel))
        assert not isinstance(raised.value, OutcomeUnknown)
        assert not raised.value.permanent
    finally:
        await adapter.close()


@pytest.mark.parametrize("name", sorted(ADAPTERS))
async def test_a_connection_closed_after_the_request_left_is_an_unknown_outcome(
    name: str, silent_platform: str
) -> None:
    channel, build = ADAPTERS[name]
    adapter = build(silent_platform)
    try:
        with pytest.raises(OutcomeUnknown):
            await adapter.send(_message(channel))
    finally:
        await adapter.close()
