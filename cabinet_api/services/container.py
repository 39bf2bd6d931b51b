"""``CabinetServices``: every cabinet service, built once over one database.

Consumers take the services they need from it (typed against their own narrow protocols where they
live outside ``cabinet_api``); the container itself forwards nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cabinet_api.clock import utc_now
from cabinet_api.crypto import DataCipher
from cabinet_api.db import Database
from cabinet_api.services.accepted import AcceptedInboundLedger
from cabinet_api.services.broadcasts import BroadcastService
from cabinet_api.services.business_time import BusinessCalendar
from cabinet_api.services.canned import CannedReplyService
from cabinet_api.services.clients import ClientService
from cabinet_api.services.console_sessions import ConsoleSessionService
from cabinet_api.services.conversations import ConversationService
from cabinet_api.services.dead_letters import DeadLetterService
from cabinet_api.services.delivery import DeliveryService
from cabinet_api.services.files import FileService
from cabinet_api.services.handoffs import HandoffService
from cabinet_api.services.history import HistoryService
from cabinet_api.services.identity import IdentityService
from cabinet_api.services.payments import PaymentService
from cabinet_api.services.people import PeopleService
from cabinet_api.services.rating_requests import RatingRequestService
from cabinet_api.services.ratings import RatingService
from cabinet_api.services.recordings import RecordingService
from cabinet_api.services.request_events import RequestEventService
from cabinet_api.services.requests import RequestService
from cabinet_api.services.sends import SendJournal
from cabinet_api.services.signals import SignalService
from cabinet_api.services.unfinished_outbound import UnfinishedOutbound
from cabinet_api.storage import FileStorage, LocalFileStorage

DEFAULT_FILES_ROOT = Path(__file__).resolve().parent.parent.parent / "var" / "files"


@dataclass(frozen=True, slots=True)
class CabinetServices:
    """Every method taking ``client_id`` checks ownership: another client's object raises NotOwned."""

    identity: IdentityService
    history: HistoryService
    delivery: DeliveryService
    clients: ClientService
    requests: RequestService
    request_events: RequestEventService
    handoffs: HandoffService
    payments: PaymentService
    recordings: RecordingService
    ratings: RatingService
    rating_requests: RatingRequestService
    signals: SignalService
    files: FileService
    people: PeopleService
    console_sessions: ConsoleSessionService
    conversations: ConversationService
    canned: CannedReplyService
    sends: SendJournal
    dead_letters: DeadLetterService
    accepted: AcceptedInboundLedger
    broadcasts: BroadcastService
    unfinished: UnfinishedOutbound


def cabinet_services(
    db: Database,
    *,
    clock: Callable[[], datetime] = utc_now,
    storage: FileStorage | None = None,
    calendar: BusinessCalendar | None = None,
    cipher: DataCipher | None = None,
) -> CabinetServices:
    """The services over ``db``; files go to ``var/files`` of the project unless ``storage`` says else."""
    files = storage if storage is not None else LocalFileStorage(DEFAULT_FILES_ROOT)
    history = HistoryService(db, clock)
    return CabinetServices(
        identity=IdentityService(db, clock),
        history=history,
        delivery=DeliveryService(db, clock),
        clients=ClientService(db, clock),
        requests=RequestService(db, clock),
        request_events=RequestEventService(db, clock),
        handoffs=HandoffService(db, clock),
        payments=PaymentService(db, clock, cipher),
        recordings=RecordingService(db, clock, files),
        ratings=RatingService(db, clock, calendar or BusinessCalendar()),
        rating_requests=RatingRequestService(db, clock),
        signals=SignalService(db, clock),
        files=FileService(files, clock),
        people=PeopleService(db, clock),
        console_sessions=ConsoleSessionService(db, clock),
        conversations=ConversationService(db, clock),
        canned=CannedReplyService(db, clock),
        sends=SendJournal(db, clock, history),
        dead_letters=DeadLetterService(db, clock),
        accepted=AcceptedInboundLedger(db, clock),
        broadcasts=BroadcastService(db, clock),
        unfinished=UnfinishedOutbound(db, clock),
    )
