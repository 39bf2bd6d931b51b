"""What every cabinet action shares: its cabinet, the client behind the tracker, and failure handling."""

from __future__ import annotations

import abc
import logging
import os
from pathlib import Path
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecutionRejected
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from cabinet_api.db import Database
from cabinet_api.services import CabinetServices, UnknownClient, cabinet_services
from cabinet_api.services.errors import NotFound

logger = logging.getLogger("cabinet_api.actions")

DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{Path(__file__).resolve().parents[2] / 'var' / 'omnicab.db'}"
ERROR_RESPONSE = "error_generic"
PHONE_REQUIRED_RESPONSE = "cabinet.phone_required"
NOT_FOUND_RESPONSE = "cabinet.not_found"

Events = list[dict[str, Any]]

_shared_cabinet: CabinetServices | None = None


def cabinet_from_environment() -> CabinetServices:
    """The process-wide cabinet services of a standalone action server, created on first use."""
    global _shared_cabinet
    if _shared_cabinet is None:
        _shared_cabinet = cabinet_services(
            Database(os.environ.get("OMNICAB_DATABASE_URL", DEFAULT_DATABASE_URL))
        )
    return _shared_cabinet


class Rejected(Exception):
    """Raised inside :meth:`CabinetAction.perform`: say ``response`` and leave the flow by ``on_error``."""

    def __init__(self, response: str, **params: Any) -> None:
        super().__init__(response)
        self.response = response
        self.params = params


class CabinetAction(Action, abc.ABC):  # type: ignore[misc]  # rasa-sdk ships no type information
    """An action bound to the cabinet's services, or to the environment's when created without them.

    Subclasses implement :meth:`perform`. A refusal (no verified phone, an object that is not the
    client's, a closed request...) is said to the client and returned as rasa-sdk's
    ``ActionExecutionRejected``, so the dialog leaves the flow by the step's ``on_error``.
    Abstract, so that an action server's registry (every imported ``Action`` subclass) skips it.
    """

    requires_verified_phone = True
    """The cabinet shows a client's data only once their phone is verified."""
    sets_slots: ClassVar[frozenset[str]] = frozenset()
    """The slots the action may set, so that ``omnicab validate`` knows them when templates read them."""

    def __init__(self, cabinet: CabinetServices | None = None) -> None:
        self._cabinet = cabinet

    @abc.abstractmethod
    def name(self) -> str: ...

    @abc.abstractmethod
    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events: ...

    @property
    def cabinet(self) -> CabinetServices:
        return self._cabinet if self._cabinet is not None else cabinet_from_environment()

    async def client_id(self, tracker: Tracker) -> int:
        """The client behind the tracker's read-only ``client_id`` slot (their public id)."""
        public_id = tracker.get_slot("client_id")
        if not isinstance(public_id, str) or not public_id:
            raise ValueError("no client_id slot")
        client_id = await self.cabinet.identity.client_id_for(public_id)
        if client_id is None:
            raise UnknownClient(public_id)
        return client_id

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> Events:
        try:
            if self.requires_verified_phone and tracker.get_slot("phone_verified") is not True:
                raise Rejected(PHONE_REQUIRED_RESPONSE)
            return await self.perform(dispatcher, tracker, await self.client_id(tracker))
        except Rejected as rejection:
            return self._reject(dispatcher, rejection.response, **rejection.params)
        except NotFound as missing:
            return self._reject(dispatcher, NOT_FOUND_RESPONSE, kind=missing.kind)
        except (ValueError, LookupError) as error:
            logger.warning("%s refused: %s", self.name(), type(error).__name__)
            return self._reject(dispatcher, ERROR_RESPONSE)
        except SQLAlchemyError:
            logger.exception("%s failed in the database", self.name())
            return self._reject(dispatcher, ERROR_RESPONSE)

    def _reject(self, dispatcher: CollectingDispatcher, response: str, **params: Any) -> Events:
        dispatcher.utter_message(response=response, **params)
        return [ActionExecutionRejected(self.name())]


def optional_text_slot(tracker: Tracker, name: str) -> str | None:
    value = tracker.get_slot(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"slot {name} is not text")
    return value.strip() or None


def text_slot(tracker: Tracker, name: str) -> str:
    value = optional_text_slot(tracker, name)
    if value is None:
        raise ValueError(f"slot {name} is missing")
    return value


def channel_of(tracker: Tracker) -> str:
    channel = optional_text_slot(tracker, "channel") or tracker.get_latest_input_channel()
    if not isinstance(channel, str) or not channel:
        raise ValueError("no channel slot")
    return channel


def locale_of(tracker: Tracker) -> str:
    locale = tracker.get_slot("locale")
    return locale if isinstance(locale, str) and locale else "ru"
