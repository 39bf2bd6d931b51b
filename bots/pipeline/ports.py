"""What the pipeline needs from the cabinet and from handoff, as narrow protocols.

The pipeline knows the cabinet only through these and its view types; the wiring (``bots.app``)
passes the concrete services of ``cabinet_api`` and the ``handoff`` desk.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Protocol

from adapters.types import ConversationRef, Inbound, Outbound
from cabinet_api import (
    AcceptedEvent,
    BroadcastButton,
    ClientProfile,
    FileLink,
    Reachable,
    RecipientClaim,
    Replay,
    SendRecord,
    UnfinishedReply,
)
from handoff import HandoffRequest, Owner


class ClientDirectory(Protocol):
    """Clients behind channel identities, and where they can be reached."""

    async def identify(self, event: Inbound) -> ClientProfile: ...

    async def reachable(self, client_id: int) -> Reachable | None: ...

    async def mark_recipient_gone(self, channel: str, bot: str, platform_user_id: str) -> None: ...


class ConversationLog(Protocol):
    """The history of every message in and out, each kept once however often it is replayed."""

    async def record_inbound(self, profile: ClientProfile, event: Inbound) -> bool: ...

    async def record_outbound(
        self, profile_or_client_id: ClientProfile | int, outbound: Outbound, *, status: str = "queued"
    ) -> None: ...

    async def record_outbound_many(
        self,
        profile_or_client_id: ClientProfile | int,
        outbounds: Sequence[Outbound],
        *,
        status: str = "queued",
    ) -> None: ...

    async def mark_outbound(
        self,
        outbound_id: str,
        channel: str,
        bot: str,
        *,
        status: str,
        platform_message_id: str | None = None,
        error: str | None = None,
    ) -> None: ...


class SendJournal(Protocol):
    """Each platform call of an outgoing message, written before the call and after it."""

    async def begin(self, channel: str, bot: str, outbound_id: str, part: int) -> SendRecord | None:
        """Write the intent; None when the call may be made, else what is known of an earlier one."""
        ...

    async def settle(
        self,
        channel: str,
        bot: str,
        outbound_id: str,
        part: int,
        *,
        state: str,
        platform_message_id: str | None = None,
    ) -> None: ...

    async def settle_delivered(
        self,
        channel: str,
        bot: str,
        outbound_id: str,
        part: int,
        *,
        platform_message_id: str | None,
        message_platform_ids: str | None,
    ) -> None:
        """The message's last call ``sent`` and the message ``sent`` in the history, in one write."""
        ...


class DeadLetters(Protocol):
    """Work that failed every attempt, kept with its error until an admin replays it."""

    async def add(self, kind: str, key: str, payload: bytes, *, error: str, attempts: int) -> int: ...

    async def replay_requested(
        self, put: Callable[[Replay], Awaitable[None]], *, limit: int = 100
    ) -> int: ...


class DeliveryReceipts(Protocol):
    """Platform receipts (delivered, read, failed) applied to the messages they are about."""

    async def record_receipt(
        self, channel: str, bot: str, platform_message_id: str, status: str, *, error: str | None = None
    ) -> bool: ...


class FileReader(Protocol):
    """Files the cabinet stores (recordings, audio answers), read by their storage key."""

    async def read(self, key: str) -> bytes: ...

    async def size(self, key: str) -> int: ...

    def link(self, key: str, *, secret: bytes, lifetime: timedelta) -> FileLink:
        """A short-lived signed link, for platforms that only fetch files by URL."""
        ...


class Handoff(Protocol):
    """Who answers the client (asked before every turn), and requests to hand a client to people."""

    async def owner(self, client_id: int, conversation: ConversationRef) -> Owner: ...

    async def receive(self, profile: ClientProfile, event: Inbound, *, free_text: bool) -> bool:
        """True when people answer this event and the bot must stay silent."""
        ...

    async def request_handoff(self, request: HandoffRequest) -> object:
        """Queue the client for people; what it returns is handoff's business."""
        ...


class AcceptedLedger(Protocol):
    """The durable record of accepted inbound events, where the inbox itself may forget them (Redis)."""

    async def record(self, events: list[AcceptedEvent]) -> None: ...

    async def earlier_unhandled(
        self, dedupe_key: str, conversation_key: str, *, limit: int = 20
    ) -> list[tuple[str, bytes]]:
        """The conversation's events accepted before this one and never handled, oldest first, as
        (dedupe key, payload)."""
        ...

    async def mark_handled(self, dedupe_key: str) -> None: ...

    async def set_aside(self, dedupe_key: str) -> None: ...

    async def claim_stale(self, older_than: timedelta, *, limit: int = 500) -> list[AcceptedEvent]: ...

    async def requeued(self, dedupe_keys: Sequence[str]) -> None: ...

    async def prune(self, *, limit: int = 1000) -> int: ...


class UnfinishedReplies(Protocol):
    """Outgoing messages the outbox has not finished, kept with their outbox item (history rows)."""

    async def claim_stale(
        self, older_than: timedelta, *, after_id: int = 0, limit: int = 500, wait: bool = False
    ) -> list[UnfinishedReply]: ...

    async def requeued(self, ids: Sequence[int]) -> None: ...


class BroadcastLedger(Protocol):
    """Broadcasts as the workers send them, and what clients do about them."""

    async def start_due(self) -> list[str]: ...

    async def lanes(self) -> set[tuple[str, str]]: ...

    async def claim(self, channel: str, bot: str, *, limit: int = 1) -> list[RecipientClaim]:
        """Take waiting recipients of a sending broadcast; their messages are in the history already."""
        ...

    async def handed(self, recipient_ids: Sequence[int], outbounds: Sequence[Outbound] = ()) -> None:
        """The outbox holds these recipients' messages (``outbounds``, kept until it finishes them)."""
        ...

    async def stale_claims(self, stale_after: timedelta, *, limit: int = 100) -> list[RecipientClaim]: ...

    async def finish_sent(self) -> list[str]: ...

    async def set_opt_out(self, client_id: int, opted_out: bool) -> bool: ...

    async def press(self, client_id: int, recipient_id: int, index: int) -> BroadcastButton | None:
        """The pressed button, or None when the broadcast was not sent to this client."""
        ...
