"""Bodies of the console's broadcast API (unknown keys refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cabinet_api.services import Audience

CHANNELS = Literal["telegram", "viber", "whatsapp"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AudienceBody(_Body):
    """Every condition given must hold; opted-out clients, clients unsubscribed in a channel and
    clients who gave a low CSAT score within ``quiet_after_low_score_days`` are always left out."""

    channels: list[CHANNELS] = Field(default_factory=list, max_length=3)
    bots: list[str] = Field(default_factory=list, max_length=20)
    has_open_request: bool | None = None
    last_contact_days: int | None = Field(default=None, ge=1, le=3650)
    locale: Literal["ru", "en"] | None = None
    quiet_after_low_score_days: int = Field(default=30, ge=0, le=365)

    def audience(self) -> Audience:
        return Audience(
            channels=tuple(self.channels),
            bots=tuple(self.bots),
            has_open_request=self.has_open_request,
            last_contact_days=self.last_contact_days,
            locale=self.locale,
            quiet_after_low_score_days=self.quiet_after_low_score_days,
        )


class ButtonBody(_Body):
    title: str = Field(min_length=1, max_length=20)
    action: Literal["answer", "menu", "unsubscribe"] = "answer"


class BroadcastBody(_Body):
    title: str = Field(min_length=1, max_length=200, description="Seen by people only.")
    text: str = Field(min_length=1, max_length=1000)
    buttons: list[ButtonBody] = Field(default_factory=list, max_length=3)
    template_key: str | None = Field(
        default=None,
        max_length=64,
        description="A template the bot declares for WhatsApp: sent instead of the text to a client "
        "outside the 24-hour window.",
    )
    template_params: list[str] = Field(default_factory=list, max_length=10)
    audience: AudienceBody = Field(default_factory=AudienceBody)
    send_at: datetime | None = Field(default=None, description="When to send once scheduled; now if empty.")


class ScheduleBody(_Body):
    send_at: datetime | None = None
