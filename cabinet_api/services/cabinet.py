"""``Cabinet``: the one object the bots pipeline and the actions call."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from adapters.types import FileRef, Inbound, Outbound
from cabinet_api.clock import utc_now
from cabinet_api.db import Database
from cabinet_api.payouts import PayoutDetails
from cabinet_api.services.business_time import BusinessCalendar
from cabinet_api.services.clients import ClientService
from cabinet_api.services.delivery import DeliveryService
from cabinet_api.services.handoffs import HandoffService
from cabinet_api.services.history import HistoryService
from cabinet_api.services.identity import IdentityService
from cabinet_api.services.payments import PaymentService
from cabinet_api.services.ratings import RatingService
from cabinet_api.services.recordings import RecordingService
from cabinet_api.services.request_events import RequestEventService
from cabinet_api.services.requests import RequestService
from cabinet_api.services.views import (
    AnswerView,
    ClientDetail,
    ClientProfile,
    HistoryEntry,
    Page,
    PaymentView,
    RatingResult,
    RatingView,
    Reachable,
    RecordingView,
    RefundView,
    RequestDetail,
    RequestEventView,
    RequestView,
    TaskView,
)
from cabinet_api.storage import FileStorage, LocalFileStorage, StoredFile

DEFAULT_FILES_ROOT = Path(__file__).resolve().parent.parent.parent / "var" / "files"


class Cabinet:
    """Every method taking ``client_id`` checks ownership: another client's object raises NotOwned."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], datetime] = utc_now,
        storage: FileStorage | None = None,
        calendar: BusinessCalendar | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.storage: FileStorage = storage if storage is not None else LocalFileStorage(DEFAULT_FILES_ROOT)
        self._identity = IdentityService(db, clock)
        self._history = HistoryService(db, clock)
        self._requests = RequestService(db, clock)
        self._handoffs = HandoffService(db, clock)
        self._request_events = RequestEventService(db, clock)
        self._clients = ClientService(db, clock)
        self._payments = PaymentService(db, clock)
        self._recordings = RecordingService(db, clock, self.storage)
        self._ratings = RatingService(db, clock, calendar or BusinessCalendar())
        self._delivery = DeliveryService(db, clock)

    async def identify(self, event: Inbound) -> ClientProfile:
        return await self._identity.identify(event)

    async def profile(self, client_id: int) -> ClientProfile | None:
        return await self._identity.profile(client_id)

    async def record_receipt(
        self, channel: str, bot: str, platform_message_id: str, status: str, *, error: str | None = None
    ) -> bool:
        return await self._delivery.record_receipt(channel, bot, platform_message_id, status, error=error)

    async def unlink(self, client_id: int, channel: str, bot: str, platform_user_id: str) -> bool:
        return await self._identity.unlink(client_id, channel, bot, platform_user_id)

    async def reachable(self, client_id: int) -> Reachable | None:
        return await self._identity.reachable(client_id)

    async def mark_recipient_gone(self, channel: str, bot: str, platform_user_id: str) -> None:
        await self._identity.mark_recipient_gone(channel, bot, platform_user_id)

    async def client_id_for(self, public_id: str) -> int | None:
        return await self._identity.client_id_for(public_id)

    async def public_id_for(self, client_id: int) -> str | None:
        return await self._identity.public_id_for(client_id)

    async def record_inbound(self, profile: ClientProfile, event: Inbound) -> bool:
        return await self._history.record_inbound(profile, event)

    async def record_outbound(
        self, profile_or_client_id: ClientProfile | int, outbound: Outbound, *, status: str = "queued"
    ) -> None:
        await self._history.record_outbound(profile_or_client_id, outbound, status=status)

    async def record_outbound_many(
        self,
        profile_or_client_id: ClientProfile | int,
        outbounds: Sequence[Outbound],
        *,
        status: str = "queued",
    ) -> None:
        await self._history.record_outbound_many(profile_or_client_id, outbounds, status=status)

    async def mark_outbound(
        self,
        outbound_id: str,
        channel: str,
        bot: str,
        *,
        status: str,
        platform_message_id: str | None = None,
        error: str | None = None,
    ) -> None:
        await self._history.mark_outbound(
            outbound_id, channel, bot, status=status, platform_message_id=platform_message_id, error=error
        )

    async def history(
        self, client_id: int, *, limit: int = 50, before_id: int | None = None
    ) -> list[HistoryEntry]:
        return await self._history.history(client_id, limit=limit, before_id=before_id)

    async def create_request(
        self,
        client_id: int,
        *,
        topic: str,
        description: str,
        answer_format: str,
        urgency: str = "normal",
        channel: str,
        attachments: Iterable[FileRef] = (),
        source_event: str | None = None,
    ) -> RequestView:
        return await self._requests.create_request(
            client_id,
            topic=topic,
            description=description,
            answer_format=answer_format,
            urgency=urgency,
            channel=channel,
            attachments=attachments,
            source_event=source_event,
        )

    async def record_handoff(
        self, client_id: int, *, queue: str, reason: str, channel: str, note: str | None = None
    ) -> int:
        return await self._handoffs.record_handoff(
            client_id, queue=queue, reason=reason, channel=channel, note=note
        )

    async def get_client(self, public_id: str) -> ClientDetail:
        return await self._clients.get_client(public_id)

    async def ensure_verified_client(
        self, phone: str, *, first_name: str, last_name: str | None = None, locale: str = "ru"
    ) -> int:
        return await self._clients.ensure_verified_client(
            phone, first_name=first_name, last_name=last_name, locale=locale
        )

    async def list_requests(self, client_id: int, *, page: int = 0, per_page: int = 5) -> Page[RequestView]:
        return await self._requests.list_requests(client_id, page=page, per_page=per_page)

    async def get_request(self, client_id: int, public_id: str) -> RequestDetail:
        return await self._requests.get_request(client_id, public_id)

    async def add_comment(
        self,
        client_id: int,
        public_id: str,
        *,
        text: str | None,
        file: FileRef | None,
        channel: str,
    ) -> RequestEventView:
        return await self._request_events.add_comment(
            client_id, public_id, text=text, file=file, channel=channel
        )

    async def post_answer(
        self, public_id: str, *, lawyer: str, text: str | None, audio: StoredFile | None
    ) -> AnswerView:
        """The client is to be told: deliver ``answer.notification()``."""
        return await self._request_events.post_answer(public_id, lawyer=lawyer, text=text, audio=audio)

    async def change_status(self, public_id: str, status: str, *, actor: str) -> RequestView:
        return await self._request_events.change_status(public_id, status, actor=actor)

    async def add_contract(self, client_id: int, *, title: str) -> str:
        return await self._payments.add_contract(client_id, title=title)

    async def add_payment(
        self, client_id: int, contract_id: str, *, amount: Decimal, paid_at: datetime, refundable: bool = True
    ) -> PaymentView:
        return await self._payments.add_payment(
            client_id, contract_id, amount=amount, paid_at=paid_at, refundable=refundable
        )

    async def list_payments(self, client_id: int) -> list[PaymentView]:
        return await self._payments.list_payments(client_id)

    async def create_refund(
        self,
        client_id: int,
        *,
        payment_id: str,
        reason: str,
        amount: Decimal,
        payout: PayoutDetails,
        channel: str,
    ) -> RefundView:
        return await self._payments.create_refund(
            client_id, payment_id=payment_id, reason=reason, amount=amount, payout=payout, channel=channel
        )

    async def list_refunds(self, client_id: int) -> list[RefundView]:
        return await self._payments.list_refunds(client_id)

    async def get_refund(self, public_id: str) -> RefundView:
        return await self._payments.get_refund(public_id)

    async def change_refund_status(self, public_id: str, status: str) -> RefundView:
        return await self._payments.change_refund_status(public_id, status)

    async def ingest_recording(
        self,
        *,
        audio: bytes,
        mime: str,
        client_phone: str,
        lawyer: str,
        started_at: datetime,
        duration: int,
        direction: str,
        source: str,
    ) -> RecordingView:
        return await self._recordings.ingest_recording(
            audio=audio,
            mime=mime,
            client_phone=client_phone,
            lawyer=lawyer,
            started_at=started_at,
            duration=duration,
            direction=direction,
            source=source,
        )

    async def list_recordings(
        self, client_id: int, *, page: int = 0, per_page: int = 5
    ) -> Page[RecordingView]:
        return await self._recordings.list_recordings(client_id, page=page, per_page=per_page)

    async def get_recording(self, client_id: int, public_id: str) -> RecordingView:
        return await self._recordings.recording(client_id, public_id)

    async def recording_file(self, client_id: int, public_id: str) -> StoredFile:
        return await self._recordings.recording_file(client_id, public_id)

    async def rate(
        self,
        client_id: int,
        *,
        subject: str,
        subject_id: str,
        scale: str,
        score: int,
        channel: str,
        comment: str | None = None,
    ) -> RatingResult:
        return await self._ratings.rate(
            client_id,
            subject=subject,
            subject_id=subject_id,
            scale=scale,
            score=score,
            channel=channel,
            comment=comment,
        )

    async def add_rating_comment(self, client_id: int, rating_id: str, comment: str) -> None:
        await self._ratings.add_rating_comment(client_id, rating_id, comment)

    async def list_ratings(
        self, *, client_id: int | None = None, subject: str | None = None, subject_id: str | None = None
    ) -> list[RatingView]:
        return await self._ratings.list_ratings(client_id=client_id, subject=subject, subject_id=subject_id)

    async def list_tasks(self, *, status: str | None = None) -> list[TaskView]:
        return await self._ratings.list_tasks(status=status)

    async def close_task(self, public_id: str, *, note: str | None = None) -> TaskView:
        return await self._ratings.close_task(public_id, note=note)
