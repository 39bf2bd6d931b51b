"""The queues people serve, with their titles; a queue may carry a topic (``lawyers:family``)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Queue:
    name: str
    titles: Mapping[str, str]

    def title(self, locale: str) -> str:
        return self.titles.get(locale) or self.titles.get("ru") or self.name


DEFAULT_QUEUES = (
    Queue("first_line", {"ru": "Первая линия", "en": "First line"}),
    Queue("lawyers", {"ru": "Юристы", "en": "Lawyers"}),
    Queue("duty_lawyer", {"ru": "Дежурный юрист", "en": "Lawyer on duty"}),
)


def base_of(queue: str) -> str:
    return queue.split(":", 1)[0]


def serves(person_queues: Iterable[str], queue: str) -> bool:
    """Serving ``lawyers`` includes ``lawyers:family``; serving ``lawyers:family`` is only that topic."""
    served = set(person_queues)
    return queue in served or base_of(queue) in served


@dataclass(frozen=True, slots=True)
class Queues:
    items: tuple[Queue, ...] = DEFAULT_QUEUES

    @classmethod
    def parse(cls, raw: str | None) -> Queues:
        """``OMNICAB_QUEUES``: JSON ``{"name": {"ru": "…", "en": "…"}, …}`` or ``["name", …]``."""
        if not raw:
            return cls()
        data = json.loads(raw)
        if isinstance(data, list):
            items = tuple(Queue(str(name), {}) for name in data)
        elif isinstance(data, dict):
            items = tuple(
                Queue(str(name), {str(k): str(v) for k, v in (titles or {}).items()})
                for name, titles in data.items()
            )
        else:
            raise ValueError("OMNICAB_QUEUES must be a JSON object or list")
        if not items:
            raise ValueError("OMNICAB_QUEUES names no queue")
        return cls(items)

    @property
    def default(self) -> str:
        return self.items[0].name

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(queue.name for queue in self.items)

    def known(self, queue: str) -> bool:
        return base_of(queue) in self.names

    def resolve(self, queue: str) -> str:
        """``queue`` when it (or its base) is configured, else the default queue."""
        if self.known(queue):
            return queue
        log.warning("handoff to unknown queue %r goes to %r", queue, self.default)
        return self.default

    def title(self, queue: str, locale: str = "ru") -> str:
        for item in self.items:
            if item.name == base_of(queue):
                title = item.title(locale)
                return f"{title}: {queue.split(':', 1)[1]}" if ":" in queue else title
        return queue
