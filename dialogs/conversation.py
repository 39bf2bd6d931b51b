"""Drive a dialog as a client would: type, press buttons by title, share files and contacts.

Used by conversation scripts and by tests; no messenger, no network, only the engine.
"""

from __future__ import annotations

from datetime import datetime

from adapters.types import (
    Body,
    Button,
    ButtonPress,
    Channel,
    ContactShared,
    ConversationRef,
    FileBody,
    Inbound,
    LocationBody,
    MediaKind,
    Sender,
    StartBody,
    TextBody,
    UnsupportedBody,
)
from dialogs.engine import DialogEngine
from dialogs.session import SessionState
from dialogs.turn import ClientView, TurnResult


class ButtonNotOfferedError(LookupError):
    def __init__(self, title: str, offered: list[str]) -> None:
        super().__init__(f"no button titled {title!r}; offered: {offered}")
        self.title = title
        self.offered = offered


class Conversation:
    def __init__(
        self,
        engine: DialogEngine,
        client: ClientView,
        *,
        channel: Channel = Channel.TELEGRAM,
        chat_id: str = "chat-1",
        session: SessionState | None = None,
    ) -> None:
        self.engine = engine
        self.client = client
        self.session = session
        self.last: TurnResult | None = None
        self._reference = ConversationRef(
            channel=channel, bot=engine.bot.name, chat_id=chat_id, user_id=client.id
        )
        self._sent = 0
        self.now: datetime | None = None
        """When the client writes (an aware datetime); the real time when not set."""

    @property
    def texts(self) -> list[str]:
        """The texts of the last turn's replies."""
        return [reply.text for reply in self.last.replies] if self.last else []

    @property
    def buttons(self) -> list[Button]:
        """Every button the last turn offered, in the order shown."""
        return [button for reply in self.last.replies for button in reply.buttons] if self.last else []

    @property
    def button_titles(self) -> list[str]:
        return [button.title for button in self.buttons]

    @property
    def slots(self) -> dict[str, object]:
        return dict(self.session.slots) if self.session else {}

    async def send_body(self, body: Body) -> TurnResult:
        self._sent += 1
        event = Inbound(
            event_id=f"{self._reference.chat_id}-{self._sent}",
            conversation=self._reference,
            sender=Sender(
                user_id=self.client.id, first_name=self.client.first_name, locale=self.client.locale
            ),
            body=body,
            **({"received_at": self.now} if self.now is not None else {}),
        )
        self.last = await self.engine.turn(event, self.session, self.client)
        self.session = self.last.session
        return self.last

    async def send(self, text: str) -> TurnResult:
        return await self.send_body(TextBody(text=text))

    async def start(self, payload: str | None = None) -> TurnResult:
        return await self.send_body(StartBody(payload=payload))

    async def press(self, title: str) -> TurnResult:
        """Press a button of the last turn by its title (case-insensitive)."""
        wanted = title.strip().casefold()
        for button in self.buttons:
            if button.title.strip().casefold() == wanted:
                return await self.press_payload(button.payload)
        raise ButtonNotOfferedError(title, self.button_titles)

    async def press_payload(self, payload: str) -> TurnResult:
        return await self.send_body(ButtonPress(payload=payload))

    async def share_contact(self, phone: str, *, verified: bool = True) -> TurnResult:
        return await self.send_body(
            ContactShared(phone=phone, verified=verified, first_name=self.client.first_name)
        )

    async def send_file(
        self,
        file_name: str = "document.pdf",
        *,
        mime_type: str | None = "application/pdf",
        size: int | None = 1024,
        media: MediaKind = MediaKind.DOCUMENT,
    ) -> TurnResult:
        body = FileBody(
            media=media, file_id=f"file-{self._sent + 1}", mime_type=mime_type, size=size, file_name=file_name
        )
        return await self.send_body(body)

    async def send_location(self, latitude: float, longitude: float) -> TurnResult:
        return await self.send_body(LocationBody(latitude=latitude, longitude=longitude))

    async def send_sticker(self) -> TurnResult:
        return await self.send_body(UnsupportedBody(what="sticker"))
