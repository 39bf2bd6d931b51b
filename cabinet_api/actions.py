"""The cabinet's in-chat operations as rasa-sdk actions.

The dialog engine runs them in-process (bound to its ``Cabinet`` through :func:`cabinet_actions`);
a standard action server runs them too: ``python -m rasa_sdk --actions cabinet_api.actions``,
where each action builds its ``Cabinet`` from ``OMNICAB_DATABASE_URL`` on first use.
"""

from __future__ import annotations

import abc
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from cabinet_api.db import Database
from cabinet_api.services import Cabinet, UnknownClient

logger = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{Path(__file__).resolve().parent.parent / 'var' / 'omnicab.db'}"
CLIENT_TIMEZONE = ZoneInfo("Europe/Moscow")
DUE_FORMAT = "%d.%m.%Y %H:%M"
ERROR_RESPONSE = "error_generic"
TOPIC_FROM_DESCRIPTION_LENGTH = 80

_shared_cabinet: Cabinet | None = None


def format_due(moment: datetime) -> str:
    """A deadline as the client reads it: Moscow time, ``DD.MM.YYYY HH:MM``."""
    return moment.astimezone(CLIENT_TIMEZONE).strftime(DUE_FORMAT)


def cabinet_from_environment() -> Cabinet:
    """The process-wide cabinet of a standalone action server, created on first use."""
    global _shared_cabinet
    if _shared_cabinet is None:
        _shared_cabinet = Cabinet(Database(os.environ.get("OMNICAB_DATABASE_URL", DEFAULT_DATABASE_URL)))
    return _shared_cabinet


class CabinetAction(Action, abc.ABC):  # type: ignore[misc]  # rasa-sdk ships no type information
    """An action bound to a cabinet, or to the environment's cabinet when created without one.

    Abstract, so that an action server's registry (every imported ``Action`` subclass) skips it.
    """

    def __init__(self, cabinet: Cabinet | None = None) -> None:
        self._cabinet = cabinet

    @abc.abstractmethod
    def name(self) -> str: ...

    @property
    def cabinet(self) -> Cabinet:
        return self._cabinet if self._cabinet is not None else cabinet_from_environment()

    async def client_id(self, tracker: Tracker) -> int:
        """The client behind the tracker's read-only ``client_id`` slot (their public id)."""
        public_id = tracker.get_slot("client_id")
        if not isinstance(public_id, str) or not public_id:
            raise ValueError("no client_id slot")
        client_id = await self.cabinet.client_id_for(public_id)
        if client_id is None:
            raise UnknownClient(public_id)
        return client_id


@dataclass(frozen=True, slots=True)
class NewRequest:
    topic: str
    description: str
    answer_format: str
    urgency: str
    channel: str
    attachments: tuple[dict[str, Any], ...]

    @classmethod
    def from_tracker(cls, tracker: Tracker) -> NewRequest:
        """ValueError when a required slot is missing; the values themselves are checked by the cabinet.

        Without a ``topic`` slot the topic is the beginning of the description.
        """
        description = _text_slot(tracker, "description")
        answer_format = _text_slot(tracker, "answer_format")
        channel = _optional_text_slot(tracker, "channel") or tracker.get_latest_input_channel()
        if not isinstance(channel, str) or not channel:
            raise ValueError("no channel slot")
        topic = (
            _optional_text_slot(tracker, "topic")
            or description.splitlines()[0][:TOPIC_FROM_DESCRIPTION_LENGTH]
        )
        return cls(
            topic=topic,
            description=description,
            answer_format=answer_format,
            urgency=_optional_text_slot(tracker, "urgency") or "normal",
            channel=channel,
            attachments=_attachments(tracker.get_slot("attachment"), channel),
        )


def _optional_text_slot(tracker: Tracker, name: str) -> str | None:
    value = tracker.get_slot(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"slot {name} is not text")
    return value.strip() or None


def _text_slot(tracker: Tracker, name: str) -> str:
    value = _optional_text_slot(tracker, name)
    if value is None:
        raise ValueError(f"slot {name} is missing")
    return value


def _attachments(value: object, channel: str) -> tuple[dict[str, Any], ...]:
    """The ``attachment`` slot (a dialog file: file_id, mime_type, size, file_name) as file refs."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    refs = []
    for item in items:
        if not isinstance(item, Mapping):
            raise ValueError("attachment slot is not a file")
        refs.append(
            {
                "channel": channel,
                "file_id": item.get("file_id"),
                "name": item.get("file_name"),
                "mime": item.get("mime_type"),
                "size": item.get("size"),
            }
        )
    return tuple(refs)


class CreateRequestAction(CabinetAction):
    """Create a request from the dialog's slots; sets ``request_number``, ``request_due``, ``request_id``."""

    def name(self) -> str:
        return "create_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            new = NewRequest.from_tracker(tracker)
            request = await self.cabinet.create_request(
                await self.client_id(tracker),
                topic=new.topic,
                description=new.description,
                answer_format=new.answer_format,
                urgency=new.urgency,
                channel=new.channel,
                attachments=new.attachments,
            )
        except (ValueError, LookupError) as error:
            logger.warning("create_request refused: %s", type(error).__name__)
            dispatcher.utter_message(response=ERROR_RESPONSE)
            return []
        except SQLAlchemyError:
            logger.exception("create_request failed in the database")
            dispatcher.utter_message(response=ERROR_RESPONSE)
            return []
        return [
            SlotSet("request_number", request.number),
            SlotSet("request_due", format_due(request.due_at)),
            SlotSet("request_id", request.public_id),
        ]


def cabinet_actions(cabinet: Cabinet | None = None) -> list[Action]:
    """Every cabinet action, bound to ``cabinet`` (for the dialog engine's in-process registry).

    Without a cabinet the actions use the environment's one (as under a standalone action server).
    """
    return [CreateRequestAction(cabinet)]
