"""What a process does: ``omnicab run`` (everything), ``web`` (serves) or ``worker`` (works)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    RUN = "run"
    WEB = "web"
    WORKER = "worker"

    @property
    def serves_clients(self) -> bool:
        """Webhooks, the REST API, the console, and registering the webhooks with the platforms."""
        return self is not Role.WORKER

    @property
    def works(self) -> bool:
        """Consumes the inbox and the outbox and ticks the handoff timers."""
        return self is not Role.WEB
