"""The WhatsApp channel: Cloud API webhooks in, Graph API calls out through pywa's async client.

Parsing is ours, with small pydantic models of the webhook JSON: pywa's update classes need a
client, require ``contacts[].user_id`` (absent from many payloads) and de-duplicate in-process
only. Sending goes through ``pywa_async.WhatsApp`` and its typed buttons, lists and templates,
on an ``httpx.AsyncClient`` that we own and point at the configured Graph base URL (pywa
overwrites the session's base URL with graph.facebook.com when it is constructed).

The 24-hour customer-service window: free text and interactive messages reach a user only
within 24 hours of the user's last message (:func:`window_open`); outside it only approved
templates (:meth:`WhatsAppAdapter.send_template`) may be sent, and the platform refuses
anything else with :class:`~adapters.types.OutsideWindow`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import mimetypes
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final, Literal, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pywa.errors import WhatsAppError
from pywa.types.callback import Button, Section, SectionList, SectionRow
from pywa.types.templates import TemplateLanguage
from pywa_async.client import WhatsApp

from adapters.phones import normalize_phone
from adapters.types import (
    Attachment,
    AttachmentKind,
    BadRequest,
    Body,
    ButtonPress,
    Capabilities,
    Channel,
    ContactShared,
    ConversationRef,
    FileBody,
    Inbound,
    LocationBody,
    MediaKind,
    OutcomeUnknown,
    OutsideWindow,
    RateLimits,
    RenderedMessage,
    Sender,
    SendError,
    StartBody,
    StatusBody,
    TemplateRef,
    TextBody,
    UnsupportedBody,
)

log = logging.getLogger(__name__)

SIGNATURE_HEADER: Final = "X-Hub-Signature-256"
WEBHOOK_OBJECT: Final = "whatsapp_business_account"
FAKE_MARKER: Final = "/fake/whatsapp"
CUSTOMER_SERVICE_WINDOW: Final = timedelta(hours=24)
HTTP_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)

OUTSIDE_WINDOW_CODE: Final = 131047
RETRY_AFTER_SECONDS: Final[Mapping[int, float]] = {
    130429: 1.0,  # throughput per phone number (messages per second): the next second has room
    131056: 6.0,  # pair rate: after a burst Meta allows about one message per 6 s to the same user
    4: 60.0,  # app-level call rate, counted over an hour: back off for a minute
    80007: 60.0,  # WhatsApp Business Account rate limit, also hourly
}
STATUSES: Final[Mapping[str, Literal["sent", "delivered", "read", "failed"]]] = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
}

CAPABILITIES: Final = Capabilities(
    max_text_length=4096,
    max_caption_length=1024,
    max_buttons=3,
    max_button_title=20,
    max_payload_bytes=200,
    buttons_per_row=1,
    max_text_with_buttons=1024,
    supports_list=True,
    list_max_rows=10,
    list_row_title=24,
    list_row_description=72,
    list_label_length=20,
    max_quick_buttons=3,
    supports_contact_request=False,
    media=frozenset(AttachmentKind),
)
RATE_LIMITS: Final = RateLimits(per_bot=72.0, per_bot_burst=1, per_chat=1 / 6, per_chat_burst=45, ceiling=80)
"""Cloud API: 80 messages a second per business number by default, spaced evenly here (a burst on top
of the rate would put more than 80 into one second: error 130429) at 72 a second, 10 % under the
limit (sends paced evenly arrive unevenly, and the platform counts any sliding second); to one user
about one message every 6 seconds, with bursts of up to 45 (the pair rate limit, error 131056)."""
RETRY_HORIZON: Final = timedelta(days=7)
"""Meta retries a webhook the server did not accept for up to seven days."""

_DEFAULT_MIME: Final[Mapping[AttachmentKind, str]] = {
    AttachmentKind.AUDIO: "audio/mpeg",
    AttachmentKind.VOICE: "audio/ogg",
    AttachmentKind.IMAGE: "image/jpeg",
    AttachmentKind.DOCUMENT: "application/pdf",
}


class TemplateSpec(BaseModel):
    """An approved message template declared in the bot's settings, e.g. for "your answer is ready"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=512)
    language: str = Field(min_length=2)
    body_params: int = Field(default=0, ge=0, description="How many {{n}} parameters the body has.")

    @field_validator("language")
    @classmethod
    def _known_language(cls, code: str) -> str:
        _template_language(code)
        return code


def window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    """Whether free-form messages may still reach a user whose last message came at ``last_inbound_at``."""
    return last_inbound_at is not None and now - last_inbound_at < CUSTOMER_SERVICE_WINDOW


# ---- the webhook JSON ---------------------------------------------------------------------------


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class _Profile(_Lenient):
    name: str | None = None


class _Contact(_Lenient):
    wa_id: str | None = None
    user_id: str | None = None
    profile: _Profile | None = None


class _Text(_Lenient):
    body: str


class _Reply(_Lenient):
    id: str
    title: str | None = None


class _Interactive(_Lenient):
    type: str
    button_reply: _Reply | None = None
    list_reply: _Reply | None = None


class _TemplateButton(_Lenient):
    payload: str | None = None
    text: str | None = None


class _Media(_Lenient):
    id: str
    mime_type: str | None = None
    sha256: str | None = None
    caption: str | None = None
    filename: str | None = None
    voice: bool = False


class _Location(_Lenient):
    latitude: float
    longitude: float


class _SharedName(_Lenient):
    formatted_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class _SharedPhone(_Lenient):
    phone: str | None = None
    wa_id: str | None = None


class _SharedContact(_Lenient):
    name: _SharedName | None = None
    phones: list[_SharedPhone] = Field(default_factory=list)


class _Message(_Lenient):
    id: str = Field(min_length=1)
    sender: str | None = Field(default=None, alias="from")
    from_user_id: str | None = None
    type: str
    text: _Text | None = None
    interactive: _Interactive | None = None
    button: _TemplateButton | None = None
    audio: _Media | None = None
    document: _Media | None = None
    image: _Media | None = None
    video: _Media | None = None
    location: _Location | None = None
    contacts: list[_SharedContact] | None = None


class _StatusError(_Lenient):
    code: int | str | None = None
    title: str | None = None


class _Status(_Lenient):
    id: str = Field(min_length=1)
    status: str
    recipient_id: str | None = None
    recipient_user_id: str | None = None
    errors: list[_StatusError] = Field(default_factory=list)


class _Metadata(_Lenient):
    phone_number_id: str | None = None


class _Value(_Lenient):
    """Messages, statuses and contacts are read one by one (``_parse_value``), not all or nothing."""

    metadata: _Metadata | None = None
    contacts: list[dict[str, Any]] = Field(default_factory=list)
    messages: list[dict[str, Any]] = Field(default_factory=list)
    statuses: list[dict[str, Any]] = Field(default_factory=list)


_C = TypeVar("_C", bound=_Lenient)


def _each(items: list[dict[str, Any]], model: type[_C]) -> list[_C]:
    """The items that are valid ``model`` values; the others left out."""
    valid: list[_C] = []
    for item in items:
        try:
            valid.append(model.model_validate(item))
        except ValidationError:
            continue
    return valid


def _why(error: Exception) -> str:
    """Why an item was skipped, safe to log: never the item's content."""
    if isinstance(error, ValidationError):
        return f"{error.error_count()} validation errors"
    return type(error).__name__ if not isinstance(error, BadRequest) else str(error)


class _Change(_Lenient):
    field: str
    value: dict[str, Any] = Field(default_factory=dict)


class _Entry(_Lenient):
    changes: list[_Change] = Field(default_factory=list)


class _Notification(_Lenient):
    object: str
    entry: list[_Entry]


# ---- the adapter --------------------------------------------------------------------------------


class WhatsAppAdapter:
    """One WhatsApp business phone number serving omnicab's bot ``bot``."""

    channel: Channel = Channel.WHATSAPP
    CAPABILITIES: Final = CAPABILITIES
    RATE_LIMITS: Final = RATE_LIMITS
    retry_horizon: timedelta = RETRY_HORIZON

    def __init__(
        self,
        bot: str,
        *,
        phone_id: str,
        token: str,
        app_secret: str,
        verify_token: str,
        api_base: str | None = None,
        api_version: str = "22.0",
        templates: Mapping[str, TemplateSpec] | None = None,
        rate_limits: RateLimits = RATE_LIMITS,
    ) -> None:
        if not phone_id.isdigit():
            raise ValueError("a WhatsApp phone number id is the digits Meta shows in the app dashboard")
        for name, value in (("token", token), ("app secret", app_secret), ("verify token", verify_token)):
            if not value:
                raise ValueError(f"a WhatsApp {name} is required for bot {bot}")
        self.bot = bot
        self.capabilities = CAPABILITIES
        self.rate_limits = rate_limits
        self.phone_id = phone_id
        self.templates: Mapping[str, TemplateSpec] = dict(templates or {})
        self._token = token
        self._app_secret = app_secret.encode()
        self._verify_token = verify_token.encode()
        self._graph_base = (api_base or "https://graph.facebook.com").rstrip("/")
        self._session = httpx.AsyncClient(timeout=HTTP_TIMEOUT)
        self._wa = WhatsApp(
            phone_id=phone_id,
            token=token,
            session=self._session,
            api_version=api_version,
            validate_updates=False,
            skip_duplicate_updates=False,
            filter_updates=False,
        )
        self._session.base_url = httpx.URL(f"{self._graph_base}/v{api_version}")

    @property
    def graph_url(self) -> str:
        return str(self._session.base_url).rstrip("/")

    # ---- inbound: pure --------------------------------------------------------------------

    def verify_subscription(self, query: Mapping[str, str]) -> str | None:
        """The challenge to echo for Meta's ``GET`` webhook verification, or None (answer 403)."""
        given = query.get("hub.verify_token", "")
        if query.get("hub.mode") != "subscribe" or not hmac.compare_digest(
            given.encode(), self._verify_token
        ):
            return None
        return query.get("hub.challenge")

    def verify(self, headers: Mapping[str, str], raw_body: bytes) -> bool:
        wanted = SIGNATURE_HEADER.lower()
        given = next((value for name, value in headers.items() if name.lower() == wanted), "")
        scheme, _, signature = given.partition("=")
        if scheme != "sha256" or not signature:
            return False
        expected = hmac.new(self._app_secret, raw_body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(signature.strip().lower().encode(), expected.encode())

    def parse(self, raw_body: bytes) -> list[Inbound]:
        try:
            notification = _Notification.model_validate(json.loads(raw_body))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BadRequest(f"not JSON: {error}") from error
        except ValidationError as error:
            raise BadRequest(f"not a WhatsApp webhook ({error.error_count()} errors)") from error
        if notification.object != WEBHOOK_OBJECT:
            raise BadRequest(f"webhook object {notification.object!r} is not {WEBHOOK_OBJECT}")
        events: list[Inbound] = []
        for entry in notification.entry:
            for change in entry.changes:
                if change.field != "messages":
                    log.info("whatsapp %s: webhook field %s skipped", self.bot, change.field)
                    continue
                events.extend(self._parse_value(change.value))
        return events

    def _parse_value(self, raw_value: dict[str, Any]) -> list[Inbound]:
        """The events of one change; a message or status that cannot be read is skipped with a
        warning (naming only its position), so it never costs its neighbours their answers."""
        try:
            value = _Value.model_validate(raw_value)
        except ValidationError as error:
            log.warning("whatsapp %s: a change skipped (%d errors)", self.bot, error.error_count())
            return []
        phone_id = value.metadata.phone_number_id if value.metadata else None
        if phone_id is not None and phone_id != self.phone_id:
            log.info("whatsapp %s: events for another phone number id skipped", self.bot)
            return []
        contacts = _each(value.contacts, _Contact)
        events: list[Inbound] = []
        for index, raw_message in enumerate(value.messages):
            try:
                message = _Message.model_validate(raw_message)
                events.append(self._from_message(message, contacts, raw_message))
            except (BadRequest, ValidationError, ValueError) as error:
                log.warning("whatsapp %s: message %d of a batch skipped (%s)", self.bot, index, _why(error))
        for index, raw_status in enumerate(value.statuses):
            try:
                event = self._from_status(_Status.model_validate(raw_status), raw_status)
            except (BadRequest, ValidationError, ValueError) as error:
                log.warning("whatsapp %s: status %d of a batch skipped (%s)", self.bot, index, _why(error))
                continue
            if event is not None:
                events.append(event)
        return events

    def _from_message(self, message: _Message, contacts: list[_Contact], raw: dict[str, Any]) -> Inbound:
        user_id = message.sender or message.from_user_id
        if not user_id:
            raise BadRequest(f"WhatsApp message {message.id} has no sender")
        contact = next((c for c in contacts if user_id in (c.wa_id, c.user_id)), None)
        name = contact.profile.name if contact and contact.profile else None
        sender = Sender(
            user_id=user_id,
            display_name=name or None,
            first_name=name.split()[0] if name and name.split() else None,
            verified_phone=normalize_phone("+" + user_id) if user_id.isdigit() else None,
        )
        return Inbound(
            event_id=message.id,
            message_key=message.id,
            conversation=self._conversation(user_id),
            sender=sender,
            body=_message_body(message, user_id),
            raw=raw,
        )

    def _from_status(self, status: _Status, raw: dict[str, Any]) -> Inbound | None:
        recipient = status.recipient_id or status.recipient_user_id
        if status.status not in STATUSES or not recipient:
            log.info("whatsapp %s: status %s skipped", self.bot, status.status)
            return None
        error = status.errors[0] if status.errors else None
        error_text = " ".join(str(part) for part in (error.code, error.title) if part) if error else None
        body = StatusBody(status=STATUSES[status.status], message_id=status.id, error=error_text or None)
        event_id = f"{status.id}:{status.status}"
        return Inbound(
            event_id=event_id,
            message_key=event_id,
            conversation=self._conversation(recipient),
            sender=Sender(user_id=recipient),
            body=body,
            raw=raw,
        )

    def _conversation(self, user_id: str) -> ConversationRef:
        return ConversationRef(channel=Channel.WHATSAPP, bot=self.bot, chat_id=user_id, user_id=user_id)

    # ---- outbound --------------------------------------------------------------------------

    async def send(self, message: RenderedMessage) -> str | None:
        """Send one rendered message; return the wamid of the last platform message it took.

        WhatsApp has no share-contact button (the sender's number is known and verified), so a
        contact request is plain text. Audio has no caption on WhatsApp: it follows as text. Media
        carry no buttons: the choices follow as an interactive message under the list's label.
        """
        to = message.conversation.chat_id
        sent: str | None = None
        text = message.text or message.request_contact or ""
        try:
            if message.attachment is not None:
                sent = await self._send_attachment(to, message.attachment)
                if message.buttons and message.layout != "none" and not text:
                    text = message.list_title or message.attachment.caption or ""
            if text:
                sent = await self._send_text(to, text, message)
        except (WhatsAppError, httpx.HTTPError, ValueError) as error:
            raise send_error(error) from error
        if sent is None:
            raise SendError("whatsapp: nothing to send in an empty message", permanent=True)
        return sent

    async def _send_text(self, to: str, text: str, message: RenderedMessage) -> str:
        if message.layout == "none" or not message.buttons:
            return (await self._wa.send_message(to=to, text=text)).id
        if message.layout == "buttons":
            buttons = [Button(title=button.title, callback_data=button.payload) for button in message.buttons]
            return (await self._wa.send_message(to=to, text=text, buttons=buttons)).id
        if not message.list_title:
            raise SendError("whatsapp: a list needs the label of its button", permanent=True)
        rows = [
            SectionRow(title=button.title, callback_data=button.payload, description=button.description)
            for button in message.buttons
        ]
        section_list = SectionList(
            button_title=message.list_title,
            sections=[Section(title=message.list_title, rows=rows)],
        )
        return (await self._wa.send_message(to=to, text=text, buttons=section_list)).id

    async def _send_attachment(self, to: str, attachment: Attachment) -> str:
        source = attachment.source
        media: str | bytes
        if source.file_id:
            media = source.file_id
        elif source.data is not None:
            media = source.data
        elif source.url:
            media = source.url
        else:
            raise SendError("whatsapp: the attachment has no source", permanent=True)
        name = attachment.named()
        mime = attachment.mime_type or mimetypes.guess_type(name)[0] or _DEFAULT_MIME[attachment.kind]
        caption = attachment.caption or None
        match attachment.kind:
            case AttachmentKind.IMAGE:
                return (await self._wa.send_image(to=to, image=media, caption=caption, mime_type=mime)).id
            case AttachmentKind.DOCUMENT:
                document = await self._wa.send_document(
                    to=to, document=media, filename=name, caption=caption, mime_type=mime
                )
                return document.id
            case AttachmentKind.VOICE:
                sent = (await self._wa.send_voice(to=to, voice=media, mime_type=mime)).id
            case AttachmentKind.AUDIO:
                sent = (await self._wa.send_audio(to=to, audio=media, mime_type=mime)).id
        if caption:
            return (await self._wa.send_message(to=to, text=caption)).id
        return sent

    def template_parameters(self) -> Mapping[str, int]:
        return {key: spec.body_params for key, spec in self.templates.items()}

    async def send_template(self, conversation: ConversationRef, template: TemplateRef) -> str:
        """Send the approved template declared under ``template.key``: the one kind of message that
        reaches a user outside the window."""
        spec = self.templates.get(template.key)
        if spec is None:
            raise SendError(
                f"whatsapp: no template is declared as {template.key!r} for bot {self.bot}", permanent=True
            )
        params = template.params
        if len(params) != spec.body_params:
            raise SendError(
                f"whatsapp: template {spec.name!r} takes {spec.body_params} parameters, got {len(params)}",
                permanent=True,
            )
        try:
            sent = await self._wa.send_template(
                to=conversation.chat_id,
                name=spec.name,
                language=_template_language(spec.language),
                params=[_body_params(params)] if params else None,
            )
        except (WhatsAppError, httpx.HTTPError, ValueError) as error:
            raise send_error(error) from error
        return sent.id

    async def acknowledge(self, event: Inbound) -> None:
        """Mark the user's message as read (blue ticks). Best effort: a failure only costs the ticks."""
        if isinstance(event.body, StatusBody):
            return
        try:
            await self._wa.mark_message_as_read(event.message_key)
        except (WhatsAppError, httpx.HTTPError, ValueError) as error:
            log.warning("whatsapp %s: marking a message read failed (%s)", self.bot, type(error).__name__)

    # ---- lifecycle -------------------------------------------------------------------------

    async def start(self, public_url: str | None) -> None:
        """WhatsApp webhooks are set in the Meta app dashboard, not by API: say which URL to set.

        Against the demo's fake Cloud API (an API base containing ``/fake/whatsapp``) the webhook
        is registered with the fake instead, which verifies it with the ``GET`` handshake Meta does.
        """
        if public_url is None:
            return
        webhook = f"{public_url.rstrip('/')}/webhooks/{self.bot}/whatsapp"
        if FAKE_MARKER not in self._graph_base:
            log.info(
                "whatsapp %s: set the callback URL %s in the Meta app dashboard (field: messages), with "
                "this bot's verify token",
                self.bot,
                webhook,
            )
            return
        await self._register_with_fake(webhook)

    async def _register_with_fake(self, webhook: str) -> None:
        command = {
            "webhook": {
                "phone_id": self.phone_id,
                "url": webhook,
                "app_secret": self._app_secret.decode(),
                "verify_token": self._verify_token.decode(),
                "token": self._token,
                "templates": sorted({spec.name for spec in self.templates.values()}),
            }
        }
        try:
            response = await self._session.post(f"{self._graph_base}/control", json=command)
        except httpx.HTTPError as error:
            raise SendError(
                f"whatsapp: the fake Cloud API is unreachable ({type(error).__name__})"
            ) from error
        if response.status_code != 200:
            raise SendError(f"whatsapp: the fake Cloud API refused the webhook: {response.text}")

    async def close(self) -> None:
        await self._session.aclose()


# ---- parsing helpers ----------------------------------------------------------------------------


def _message_body(message: _Message, user_id: str) -> Body:
    kind = message.type
    if kind == "text" and message.text is not None:
        return TextBody(text=message.text.body)
    if kind == "interactive" and message.interactive is not None:
        reply = message.interactive.button_reply or message.interactive.list_reply
        if reply is not None:
            return ButtonPress(payload=reply.id)
        return UnsupportedBody(what=f"interactive:{message.interactive.type}")
    if kind == "button" and message.button is not None:
        payload = message.button.payload or message.button.text
        if payload:
            return ButtonPress(payload=payload)
    if kind == "location" and message.location is not None:
        return LocationBody(latitude=message.location.latitude, longitude=message.location.longitude)
    if kind == "contacts" and message.contacts:
        shared = _shared_contact(message.contacts[0], user_id)
        if shared is not None:
            return shared
    if kind == "request_welcome":
        return StartBody(payload=None)
    file = _file_body(message)
    if file is not None:
        return file
    return UnsupportedBody(what=kind or "unknown")


def _file_body(message: _Message) -> FileBody | None:
    media_by_kind = {
        "audio": message.audio,
        "document": message.document,
        "image": message.image,
        "video": message.video,
    }
    media = media_by_kind.get(message.type)
    if media is None:
        return None
    kind = MediaKind(message.type)
    if kind is MediaKind.AUDIO and media.voice:
        kind = MediaKind.VOICE
    return FileBody(
        media=kind,
        file_id=media.id,
        mime_type=media.mime_type,
        file_name=media.filename,
        caption=media.caption,
    )


def _shared_contact(contact: _SharedContact, user_id: str) -> ContactShared | None:
    phones = [phone for phone in contact.phones if phone.phone or phone.wa_id]
    if not phones:
        return None
    own = next((phone for phone in phones if phone.wa_id == user_id), None)
    chosen = own or phones[0]
    number = normalize_phone(chosen.phone or "") or normalize_phone("+" + (chosen.wa_id or ""))
    if number is None:
        return None
    name = contact.name
    return ContactShared(
        phone=number,
        verified=own is not None,
        first_name=(name.first_name or name.formatted_name) if name else None,
        last_name=name.last_name if name else None,
    )


# ---- sending helpers ----------------------------------------------------------------------------


_TEMPLATE_LANGUAGES: Final[Mapping[str, TemplateLanguage]] = {
    member.value: member for member in TemplateLanguage
}


def _template_language(code: str) -> TemplateLanguage:
    """pywa's own lookup raises a TypeError for unknown codes (4.5), so look the code up here."""
    language = _TEMPLATE_LANGUAGES.get(code)
    if language is None:
        raise ValueError(f"{code!r} is not a WhatsApp template language code (ru, en, en_US...)")
    return language


def _body_params(params: Sequence[str]) -> dict[str, Any]:
    return {"type": "body", "parameters": [{"type": "text", "text": value} for value in params]}


NEVER_LEFT: Final = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.WriteError,
    httpx.WriteTimeout,
)
"""Transport failures before the whole request was written: the Graph API cannot have acted on it.
Any other (a read timeout, a reset or a protocol error after writing) leaves the outcome unknown."""


def send_error(error: BaseException) -> SendError:
    """What a Graph API failure means for the outbox: wait, give up, or try again."""
    if isinstance(error, NEVER_LEFT):
        return SendError(f"whatsapp: {type(error).__name__}")
    if isinstance(error, httpx.TransportError):
        return OutcomeUnknown(f"whatsapp: {type(error).__name__}")
    if isinstance(error, httpx.HTTPError):
        return SendError(f"whatsapp: {type(error).__name__}")
    if not isinstance(error, WhatsAppError):
        return SendError(f"whatsapp: {error}", permanent=True)
    message = f"whatsapp: Graph error {error.code}: {error.message}"
    if error.code == OUTSIDE_WINDOW_CODE:
        return OutsideWindow(message, code=OUTSIDE_WINDOW_CODE)
    if error.code in RETRY_AFTER_SECONDS:
        return SendError(message, code=error.code, retry_after=RETRY_AFTER_SECONDS[error.code])
    status = error.status_code or 400
    transient = status >= 500 or bool(error.is_transient)
    return SendError(message, code=error.code, permanent=not transient)
