"""What the broadcast services take and give: plain frozen data, no rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class BroadcastStatus:
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


class RecipientState:
    PENDING = "pending"
    QUEUED = "queued"
    HANDED = "handed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a broadcast goes to. Nobody who opted out, nobody unsubscribed in a channel, and nobody
    who gave a low CSAT score (3 or less) in the last ``quiet_after_low_score_days`` days."""

    channels: tuple[str, ...] = ()
    bots: tuple[str, ...] = ()
    has_open_request: bool | None = None
    last_contact_days: int | None = None
    locale: str | None = None
    quiet_after_low_score_days: int = 30

    def as_json(self) -> dict[str, object]:
        return {
            "channels": list(self.channels),
            "bots": list(self.bots),
            "has_open_request": self.has_open_request,
            "last_contact_days": self.last_contact_days,
            "locale": self.locale,
            "quiet_after_low_score_days": self.quiet_after_low_score_days,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Audience:
        channels, bots = data.get("channels") or [], data.get("bots") or []
        open_request, days, locale = (
            data.get("has_open_request"),
            data.get("last_contact_days"),
            data.get("locale"),
        )
        quiet = data.get("quiet_after_low_score_days")
        return cls(
            channels=tuple(str(c) for c in channels) if isinstance(channels, list) else (),
            bots=tuple(str(b) for b in bots) if isinstance(bots, list) else (),
            has_open_request=open_request if isinstance(open_request, bool) else None,
            last_contact_days=days if isinstance(days, int) else None,
            locale=locale if isinstance(locale, str) else None,
            quiet_after_low_score_days=quiet if isinstance(quiet, int) else 30,
        )


@dataclass(frozen=True, slots=True)
class AudienceCount:
    total: int
    by_channel: dict[str, int]
    excluded_opted_out: int
    excluded_low_score: int


@dataclass(frozen=True, slots=True)
class BroadcastButton:
    """``answer``: the press is kept as the client's answer; ``menu``: opens the bot's menu;
    ``unsubscribe``: the client opts out of broadcasts."""

    title: str
    action: str = "answer"


@dataclass(frozen=True, slots=True)
class NewBroadcast:
    title: str
    text: str
    audience: Audience
    buttons: tuple[BroadcastButton, ...] = ()
    template_key: str | None = None
    template_params: tuple[str, ...] = ()
    send_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    total: int = 0
    pending: int = 0
    in_flight: int = 0
    sent: int = 0
    delivered: int = 0
    read: int = 0
    failed: int = 0
    skipped: int = 0
    answered: int = 0


@dataclass(frozen=True, slots=True)
class BroadcastView:
    id: int
    public_id: str
    title: str
    text: str
    buttons: tuple[BroadcastButton, ...]
    template_key: str | None
    template_params: tuple[str, ...]
    audience: Audience
    status: str
    send_at: datetime | None
    created_by: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: Progress = field(default_factory=Progress)


@dataclass(frozen=True, slots=True)
class RecipientClaim:
    """A recipient a sender took: everything needed to address the message and word its buttons."""

    recipient_id: int
    client_id: int
    broadcast_public_id: str
    channel: str
    bot: str
    platform_user_id: str
    chat_id: str
    locale: str
    text: str
    buttons: tuple[BroadcastButton, ...]
    template_key: str | None
    template_params: tuple[str, ...]

    @property
    def outbound_id(self) -> str:
        return outbound_id(self.broadcast_public_id, self.recipient_id)


def outbound_id(broadcast_public_id: str, recipient_id: int) -> str:
    return f"broadcast:{broadcast_public_id}:{recipient_id}"


@dataclass(frozen=True, slots=True)
class ClientBroadcast:
    """A broadcast as one client got it, for the console's context packet."""

    public_id: str
    title: str
    text: str
    channel: str
    status: str
    sent_at: datetime | None
    answer: str | None
    answered_at: datetime | None
