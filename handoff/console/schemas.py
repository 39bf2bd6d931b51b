"""Request bodies and queries of the console API, validated (unknown keys refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginBody(_Body):
    login: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class StatusBody(_Body):
    status: Literal["online", "away", "offline"]


class ListQuery(_Body):
    view: Literal["queue", "mine", "all", "closed"] = "queue"


class AfterQuery(_Body):
    after: str | None = Field(default=None, max_length=40)


class TextBody(_Body):
    text: str = Field(min_length=1, max_length=4000)


class CloseBody(_Body):
    reason: str = Field(min_length=1, max_length=200)


class TransferBody(_Body):
    queue: str | None = Field(default=None, max_length=64)
    person: str | None = Field(default=None, max_length=32)
    note: str | None = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _one_target(self) -> TransferBody:
        if (self.queue is None) == (self.person is None):
            raise ValueError("give exactly one of queue or person")
        return self


class NewPersonBody(_Body):
    login: str = Field(min_length=3, max_length=32)
    name: str = Field(min_length=1, max_length=255)
    role: Literal["operator", "lawyer", "supervisor", "admin"]
    password: str = Field(min_length=4, max_length=256)
    queues: list[str] = Field(default_factory=list, max_length=50)
    max_chats: int = Field(default=5, ge=1, le=50)
    locale: Literal["ru", "en"] = "ru"


class PersonChangeBody(_Body):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    role: Literal["operator", "lawyer", "supervisor", "admin"] | None = None
    queues: list[str] | None = Field(default=None, max_length=50)
    max_chats: int | None = Field(default=None, ge=1, le=50)
    active: bool | None = None
    password: str | None = Field(default=None, min_length=4, max_length=256)
    locale: Literal["ru", "en"] | None = None


class CannedBody(_Body):
    title: str = Field(min_length=1, max_length=120)
    text: str = Field(min_length=1, max_length=4000)


class FiguresQuery(_Body):
    from_: datetime | None = Field(default=None, alias="from")
    to: datetime | None = None
    format: Literal["json", "csv"] = "json"


class CallBody(_Body):
    outcome: Literal["resolved", "explained", "no_answer", "declined", "callback_later"]
    note: str | None = Field(default=None, max_length=2000)


class TaskCloseBody(_Body):
    note: str | None = Field(default=None, max_length=2000)


class DeadLetterQuery(_Body):
    before: int | None = Field(default=None, ge=1, description="Only letters older than this id.")
    limit: int = Field(default=50, ge=1, le=200)
