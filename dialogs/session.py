"""Dialog session state and the store interface it lives behind.

The state is plain JSON-able data so both backends (in-process and Redis) store the same
bytes. One conversation has one writer at a time (the pipeline keeps per-conversation
order), so stores need no locking: a turn is one ``load`` and one ``save``.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field


class Frame(BaseModel):
    """A position in a flow: the flow being run and the index of the next step."""

    model_config = ConfigDict(extra="forbid")

    flow: str
    step: int = 0


class Waiting(BaseModel):
    """The ask the bot is waiting an answer to, and how many invalid answers it got."""

    model_config = ConfigDict(extra="forbid")

    flow: str
    step: int
    attempts: int = 0
    buttons: dict[str, str] = Field(
        default_factory=dict, description="payload -> button id of the buttons offered by this ask"
    )
    titles: list[str] = Field(
        default_factory=list,
        description="Titles of the offered buttons in the order shown: typed titles, numbers select them.",
    )
    page: int | None = Field(default=None, description="The page shown, when the ask's choices page.")
    shape: str = Field(
        default="",
        description="The ask's shape (:attr:`dialogs.model.Ask.shape`) when it was asked; an answer to an "
        "ask whose shape has changed since is not taken as an answer to the new one.",
    )


class SessionState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stack: list[Frame] = Field(default_factory=list)
    waiting: Waiting | None = None
    slots: dict[str, Any] = Field(default_factory=dict)
    locale: str | None = None
    handed_off: str | None = Field(
        default=None,
        description="The queue a person will answer from, until the client comes back to the bot.",
    )
    last_event_id: str | None = Field(
        default=None, description="The last inbound message (its durable key) this state reflects (replays)."
    )
    turns: int = 0
    misunderstood: int = Field(default=0, description="Turns in a row the bot did not understand the client.")

    def dumps(self) -> bytes:
        return self.model_dump_json(exclude_defaults=True).encode()

    @classmethod
    def loads(cls, raw: bytes | str) -> SessionState:
        return cls.model_validate_json(raw)


class SessionStore(Protocol):
    async def load(self, key: str) -> SessionState | None: ...

    async def save(self, key: str, state: SessionState) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def close(self) -> None: ...
