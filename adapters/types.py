"""The normalized vocabulary every part of omnicab speaks.

Channel adapters turn platform webhooks into :class:`Inbound` events and send
:class:`Outbound` messages; the dialog engine reads inbound bodies and produces
:class:`Reply` content; nobody else looks at a platform payload.

Every model is frozen. Bodies are tagged by ``kind`` so a button press can never
be mistaken for typed text, and so the whole event round-trips through JSON
(the Redis inbox and outbox store them as JSON).
"""

from __future__ import annotations

import asyncio
import enum
import mimetypes
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, Protocol, runtime_checkable

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator


class Channel(enum.StrEnum):
    TELEGRAM = "telegram"
    VIBER = "viber"
    WHATSAPP = "whatsapp"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ConversationRef(_Frozen):
    """Where to send a message, proactively or as a reply (botbuilder's conversation reference)."""

    channel: Channel
    bot: str
    chat_id: str
    user_id: str

    @property
    def key(self) -> str:
        """A stable key for ordering, sessions and locks: one per (channel, bot, chat)."""
        return f"{self.channel.value}:{self.bot}:{self.chat_id}"


class Sender(_Frozen):
    user_id: str
    display_name: str | None = None
    first_name: str | None = None
    username: str | None = None
    locale: str | None = None
    is_bot: bool = False
    verified_phone: str | None = Field(
        default=None, description="A phone the platform itself proves is the sender's (WhatsApp's wa_id)."
    )


# ---- inbound bodies -------------------------------------------------------------------------


class TextBody(_Frozen):
    kind: Literal["text"] = "text"
    text: str
    edited: bool = False


class ButtonPress(_Frozen):
    """A press of a button the bot sent; ``payload`` is what the button carried, never text."""

    kind: Literal["button"] = "button"
    payload: str
    callback_id: str | None = None


class ContactShared(_Frozen):
    """A phone number shared through the platform's contact button.

    ``verified`` is true only when the platform proves the number belongs to the sender
    (Telegram: the shared contact's user_id is the sender's own id).
    """

    kind: Literal["contact"] = "contact"
    phone: str
    verified: bool
    first_name: str | None = None
    last_name: str | None = None


class MediaKind(enum.StrEnum):
    DOCUMENT = "document"
    AUDIO = "audio"
    VOICE = "voice"
    IMAGE = "image"
    VIDEO = "video"


class FileBody(_Frozen):
    kind: Literal["file"] = "file"
    media: MediaKind
    file_id: str
    mime_type: str | None = None
    size: int | None = None
    file_name: str | None = None
    caption: str | None = None
    duration: int | None = None


class LocationBody(_Frozen):
    kind: Literal["location"] = "location"
    latitude: float
    longitude: float


class StartBody(_Frozen):
    """The first contact or a deep link (``/start <payload>`` in Telegram)."""

    kind: Literal["start"] = "start"
    payload: str | None = None


class UnsubscribedBody(_Frozen):
    """The client blocked the bot or unsubscribed: never message them until they return."""

    kind: Literal["unsubscribed"] = "unsubscribed"


class SubscribedBody(_Frozen):
    """The client may be messaged again (Viber ``subscribed``, Telegram unblocked); nothing to answer.

    It is not a start: on Viber it follows the welcome message, which already greeted the client.
    """

    kind: Literal["subscribed"] = "subscribed"


class UnsupportedBody(_Frozen):
    """Something we do not handle (a sticker, a poll...); the bot answers politely."""

    kind: Literal["unsupported"] = "unsupported"
    what: str


class StatusBody(_Frozen):
    """A platform report on a message we sent (Viber delivered/seen/failed, WhatsApp statuses)."""

    kind: Literal["status"] = "status"
    status: Literal["sent", "delivered", "read", "failed"]
    message_id: str
    error: str | None = None


Body = Annotated[
    TextBody
    | ButtonPress
    | ContactShared
    | FileBody
    | LocationBody
    | StartBody
    | UnsubscribedBody
    | SubscribedBody
    | UnsupportedBody
    | StatusBody,
    Field(discriminator="kind"),
]


MAX_KEY_LENGTH = 128
"""Platform ids are far shorter; a longer one is refused as a bad request, never stored."""


def _now() -> datetime:
    return datetime.now(UTC)


class Inbound(_Frozen):
    """One event from a platform.

    Two identities: ``event_id`` is the delivery's id, which the platform repeats when it
    redelivers and may reuse later (Telegram's update ids restart or turn random); it drops
    duplicates only within the platform's retry horizon. ``message_key`` is the durable identity
    of what the client did (Telegram: chat and message id, or the callback query id; Viber: the
    message token; WhatsApp: the message id): history rows, the request a message files and the
    session's last event are keyed by it, forever.
    """

    event_id: str = Field(
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        description="Platform event id, unique per channel and bot within its retry horizon.",
    )
    message_key: str = Field(
        default="",
        max_length=MAX_KEY_LENGTH,
        description="The platform's durable identity of the message; ``event_id`` when not given "
        "(sources whose event ids never repeat: scripts, the terminal).",
    )
    conversation: ConversationRef
    sender: Sender
    body: Body
    received_at: datetime = Field(default_factory=_now)
    raw: Mapping[str, Any] = Field(default_factory=dict, repr=False)
    sanitized: tuple[str, ...] = Field(
        default=(),
        description="Fields in which characters no database can store (U+0000, lone surrogates) "
        "were replaced by U+FFFD at ingest, e.g. ``body.text`` or ``sender.first_name``.",
    )

    @model_validator(mode="before")
    @classmethod
    def _message_key_defaults_to_event_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("message_key") and "event_id" in data:
            return {**data, "message_key": data["event_id"]}
        return data

    @property
    def channel(self) -> Channel:
        return self.conversation.channel

    @property
    def bot(self) -> str:
        return self.conversation.bot

    @property
    def dedupe_key(self) -> str:
        """The delivery, for the inbox's bounded de-duplication."""
        return f"{self.conversation.channel.value}:{self.conversation.bot}:{self.event_id}"

    @property
    def message_ref(self) -> str:
        """The message across channels and bots, durable: the prefix of the replies' ids."""
        return f"{self.conversation.channel.value}:{self.conversation.bot}:{self.message_key}"


# ---- outbound -------------------------------------------------------------------------------


class Button(_Frozen):
    title: str
    payload: str
    description: str | None = None


class FileSource(_Frozen):
    """Exactly one of: a platform file id, bytes held by us, a URL the platform fetches, or the key
    of a file in the cabinet's storage (the outbox resolves it to bytes or a signed URL before sending)."""

    file_id: str | None = None
    data: bytes | None = Field(default=None, repr=False)
    url: str | None = None
    storage_key: str | None = None


class AttachmentKind(enum.StrEnum):
    AUDIO = "audio"
    VOICE = "voice"
    DOCUMENT = "document"
    IMAGE = "image"


_EXTENSION_OF_MIME: Mapping[str, str] = {
    "audio/ogg": ".ogg",
    "audio/opus": ".opus",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/x-m4a": ".m4a",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/webm": ".webm",
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}
_EXTENSION_OF_KIND: Mapping[AttachmentKind, str] = {
    AttachmentKind.AUDIO: ".mp3",
    AttachmentKind.VOICE: ".ogg",
    AttachmentKind.IMAGE: ".jpg",
    AttachmentKind.DOCUMENT: ".pdf",
}


class Attachment(_Frozen):
    kind: AttachmentKind
    source: FileSource
    file_name: str | None = None
    mime_type: str | None = None
    caption: str | None = None
    duration: int | None = None
    size: int | None = Field(
        default=None, ge=0, description="Bytes, when known: a Viber file message must state it."
    )

    def named(self, fallback: str | None = None) -> str:
        """A file name with an extension, which platforms need to accept and clients to open a file:
        the attachment's own name (or ``fallback``, e.g. a URL's last segment) if it has a known
        extension, else that name or the kind with the extension of the type (``Звонок 20.11.ogg``)."""
        for name in (self.file_name, fallback):
            if name and _known_extension(name):
                return name
        mime = (self.mime_type or "").split(";")[0].strip().lower()
        extension = (
            _EXTENSION_OF_MIME.get(mime)
            or (mimetypes.guess_extension(mime) if mime else None)
            or _EXTENSION_OF_KIND[self.kind]
        )
        return (self.file_name or self.kind.value) + extension


def _known_extension(name: str) -> bool:
    """``call.mp3`` has one; ``Звонок 20.11`` and a signed link's ``payload.signature`` do not."""
    stem, dot, extension = name.rpartition(".")
    if not (dot and stem and extension):
        return False
    suffix = "." + extension.lower()
    return suffix in _EXTENSION_OF_MIME.values() or mimetypes.guess_type("file" + suffix)[0] is not None


class Reply(_Frozen):
    """What the bot says in one message: channel-free content the renderer fits to a platform."""

    text: str = ""
    buttons: tuple[Button, ...] = ()
    request_contact: str | None = Field(
        default=None, description="Title of a button that shares the client's phone, if asked."
    )
    contact_hint: str | None = Field(
        default=None,
        description="The text of the message that carries the share-phone button when the reply's own "
        "message cannot (Telegram: inline buttons and a reply keyboard never share a message): where "
        "the button is and what it does, never its bare title.",
    )
    typed_contact_text: str | None = Field(
        default=None,
        description="The text to say instead on a channel without a share-phone button, where the client "
        "types the number (``adapters.render.fit_turn``).",
    )
    attachment: Attachment | None = None
    remove_keyboard: bool = False
    choices_label: str | None = Field(
        default=None, description="Label of the button that opens a list of choices (WhatsApp lists)."
    )
    numbered_text: str | None = Field(
        default=None,
        description="The text to say instead when the choices of the reply after this one reach the client "
        "numbered in the text (a channel without buttons for them), where a typed number picks one: a hint "
        "about how to choose, in the words that fit what the client sees (``adapters.render.fit_turn``).",
    )


class TemplateRef(_Frozen):
    """A pre-approved template the bot declares under ``key`` (e.g. ``answer_ready``), with its parameters."""

    key: str
    params: tuple[str, ...] = ()


class Outbound(_Frozen):
    """A reply addressed to a conversation; ``id`` is the idempotency key across retries.

    ``template`` is what goes instead when the channel only admits templates at that moment
    (WhatsApp outside the 24-hour customer-service window); proactive notifications carry one.
    """

    id: str
    conversation: ConversationRef
    reply: Reply
    in_reply_to: str | None = None
    created_at: datetime = Field(default_factory=_now)
    template: TemplateRef | None = None


# ---- what adapters declare and raise --------------------------------------------------------


class Capabilities(_Frozen):
    """A channel's limits and habits; one shared renderer fits every reply to them."""

    max_text_length: int
    max_caption_length: int
    max_buttons: int = Field(description="Buttons that may be attached to one message.")
    max_button_title: int
    max_payload_bytes: int = Field(description="Bytes a button payload may carry on the wire.")
    buttons_per_row: int = 1
    max_text_with_buttons: int | None = Field(
        default=None, description="Characters of a message that carries buttons, if fewer (WhatsApp: 1024)."
    )
    supports_list: bool = False
    list_max_rows: int = 0
    list_row_title: int = 0
    list_row_description: int = 0
    list_label_length: int = Field(default=0, description="Characters of the button that opens a list.")
    max_quick_buttons: int = Field(default=0, description="Reply buttons before a list is used (WhatsApp).")
    supports_contact_request: bool = True
    media: frozenset[AttachmentKind] = frozenset(AttachmentKind)
    files_by_url_only: bool = Field(
        default=False, description="The platform fetches files by URL and takes no upload (Viber)."
    )
    keyboard_per_conversation: bool = Field(
        default=False,
        description="The client sees only the newest message's keyboard (Viber): every choice of a "
        "reply rides on its last message, where the contact button joins them.",
    )


class RateLimits(_Frozen):
    """How fast a platform lets one bot send: overall and to one chat, as token buckets."""

    per_bot: float = Field(gt=0, description="Messages a second through one bot account or number.")
    per_bot_burst: int = Field(ge=1)
    per_chat: float = Field(gt=0, description="Messages a second to one chat, once its burst is spent.")
    per_chat_burst: int = Field(ge=1)
    ceiling: int | None = Field(
        default=None,
        ge=1,
        description="The platform's own limit: at most this many calls through one bot in any "
        "``ceiling_seconds`` (the rates above pace under it).",
    )
    ceiling_seconds: float = Field(default=1.0, gt=0)


class SendError(Exception):
    """A platform refused a call. ``retry_after`` is set when the platform asked us to wait."""

    def __init__(
        self,
        message: str,
        *,
        code: int | str | None = None,
        retry_after: float | None = None,
        permanent: bool = False,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after
        self.permanent = permanent


class RecipientGone(SendError):
    """The client blocked the bot or is not subscribed: stop messaging this identity."""

    def __init__(self, message: str, *, code: int | str | None = None) -> None:
        super().__init__(message, code=code, permanent=True)


class OutsideWindow(SendError):
    """The platform admits only pre-approved templates to this recipient now (WhatsApp, more than
    24 hours after the client's last message)."""

    def __init__(self, message: str, *, code: int | str | None = None) -> None:
        super().__init__(message, code=code, permanent=True)


class OutcomeUnknown(SendError):
    """The request left and no answer came back (the connection broke after it was written, or the
    answer timed out): the platform may have taken the message. Never repeated blindly, since a
    repeat may reach the client twice; the outbox marks the message ``unknown`` instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


class BadRequest(Exception):
    """A webhook body that cannot be parsed: answered with 400, nothing processed."""


@runtime_checkable
class ChannelAdapter(Protocol):
    """The two halves of a channel: pure ``verify``/``parse`` and async ``send``.

    What only some platforms do is declared by data (``capabilities``, ``rate_limits``,
    ``retry_horizon``) or by the small optional protocols below, which the pipeline may test
    for; nothing outside ``adapters/`` tests which adapter it holds.
    """

    channel: Channel
    bot: str
    capabilities: Capabilities
    rate_limits: RateLimits
    retry_horizon: timedelta
    """How long the platform redelivers an unacknowledged webhook; duplicates are dropped that long."""

    def verify(self, headers: Mapping[str, str], raw_body: bytes) -> bool: ...

    def parse(self, raw_body: bytes) -> list[Inbound]: ...

    async def send(self, message: RenderedMessage) -> str | None:
        """Send one rendered message; return the platform message id if there is one."""
        ...

    async def acknowledge(self, event: Inbound) -> None:
        """Answer what the platform waits for (Telegram: answerCallbackQuery). Best effort."""
        ...

    async def start(self, public_url: str | None) -> None: ...

    async def close(self) -> None: ...


class RenderedButton(_Frozen):
    title: str
    payload: str
    description: str | None = None


class RenderedMessage(_Frozen):
    """One platform message produced by the renderer, already inside the channel's limits.

    ``layout`` tells the adapter how to present ``buttons``: inline buttons under the message,
    a platform list, or none (choices already numbered in the text).
    """

    conversation: ConversationRef
    text: str = ""
    layout: Literal["none", "buttons", "list"] = "none"
    buttons: tuple[RenderedButton, ...] = ()
    list_title: str | None = Field(
        default=None,
        description="The label of the choices: the button that opens a list (WhatsApp), or the text "
        "of choices that follow a file where media carry no buttons.",
    )
    request_contact: str | None = None
    remove_keyboard: bool = False
    attachment: Attachment | None = None
    idempotency_key: str


# ---- files referenced across parts ----------------------------------------------------------


_MEDIA_TO_ATTACHMENT = {
    MediaKind.DOCUMENT: AttachmentKind.DOCUMENT,
    MediaKind.AUDIO: AttachmentKind.AUDIO,
    MediaKind.VOICE: AttachmentKind.VOICE,
    MediaKind.IMAGE: AttachmentKind.IMAGE,
    MediaKind.VIDEO: AttachmentKind.DOCUMENT,
}


class FileRef(_Frozen):
    """A file as every part refers to it: in a dialog slot, on a request in the cabinet, in an
    action's message. One location: a platform file id (valid in the ``channel`` it came from),
    a key in the cabinet's storage, or a URL.

    Its JSON form (:meth:`as_json`) is what crosses the rasa-sdk boundary and what the cabinet
    stores. ``name``, ``mime`` and ``media`` are read as ``file_name``, ``mime_type`` and ``kind``
    (the keys of rows written before this model).
    """

    kind: MediaKind = Field(default=MediaKind.DOCUMENT, validation_alias=AliasChoices("kind", "media"))
    channel: Channel | None = None
    file_id: str | None = Field(default=None, min_length=1, max_length=512)
    storage_key: str | None = Field(default=None, min_length=1, max_length=128)
    url: str | None = Field(default=None, pattern=r"^https?://", max_length=2048)
    file_name: str | None = Field(
        default=None, max_length=255, validation_alias=AliasChoices("file_name", "name")
    )
    mime_type: str | None = Field(
        default=None, max_length=127, validation_alias=AliasChoices("mime_type", "mime")
    )
    size: int | None = Field(default=None, ge=0)
    duration: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_location(self) -> FileRef:
        locations = [value for value in (self.file_id, self.storage_key, self.url) if value is not None]
        if len(locations) != 1:
            raise ValueError("a file reference has exactly one of file_id, storage_key or url")
        if self.file_id is not None and self.channel is None:
            raise ValueError("a platform file id needs the channel it belongs to")
        return self

    @classmethod
    def received(cls, body: FileBody, channel: Channel) -> FileRef:
        """A file a client sent through ``channel``."""
        return cls(
            kind=body.media,
            channel=channel,
            file_id=body.file_id,
            file_name=body.file_name,
            mime_type=body.mime_type,
            size=body.size,
            duration=body.duration,
        )

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def attachment(self, channel: Channel, caption: str | None = None) -> Attachment | None:
        """The file as an attachment sent through ``channel``; None for another channel's file id."""
        if self.file_id is not None and self.channel != channel:
            return None
        return Attachment(
            kind=_MEDIA_TO_ATTACHMENT[self.kind],
            source=FileSource(file_id=self.file_id, storage_key=self.storage_key, url=self.url),
            file_name=self.file_name,
            mime_type=self.mime_type,
            caption=caption,
            duration=self.duration,
        )


# ---- what only some platforms do ------------------------------------------------------------


@runtime_checkable
class WelcomesInWebhookResponse(Protocol):
    """The first message to a client goes as the webhook's answer (Viber's ``conversation_started``:
    the client is not subscribed yet, so the one message allowed cannot be sent by the API)."""

    def welcome_expected(self, event: Inbound) -> bool:
        """Whether ``event`` is answered by a welcome in the response instead of going to the inbox."""
        ...

    def welcome_body(self, message: RenderedMessage) -> dict[str, Any]:
        """The JSON the webhook answers with."""
        ...


@runtime_checkable
class SendsTemplates(Protocol):
    """Pre-approved templates reach a client when nothing else may (:class:`OutsideWindow`)."""

    async def send_template(self, conversation: ConversationRef, template: TemplateRef) -> str:
        """Send the template declared under ``template.key``; its platform message id."""
        ...

    def template_parameters(self) -> Mapping[str, int]:
        """The keys of the templates this channel declares, each with how many parameters it takes."""
        ...


@runtime_checkable
class LongPolls(Protocol):
    """Updates can be fetched without a public webhook URL (Telegram's getUpdates)."""

    async def poll(self, handler: Callable[[bytes], Awaitable[None]], *, stop: asyncio.Event) -> None: ...


@runtime_checkable
class VerifiesSubscription(Protocol):
    """The platform checks the webhook with a ``GET`` handshake (WhatsApp's ``hub.challenge``)."""

    def verify_subscription(self, query: Mapping[str, str]) -> str | None:
        """The text to answer with, or None (answered 403)."""
        ...
