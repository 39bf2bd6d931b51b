"""The Viber channel: signed callbacks in, REST API calls out, with viberbot's request and message classes.

viberbot's own sender uses blocking ``requests`` without timeouts, and its signature check is
not constant-time, so this adapter only borrows its parsers and message builders and talks to
the API with aiohttp.

Keyboard buttons carry ``btn:<payload>``: Viber delivers a press as a text message whose text
is the button's ActionBody, and the prefix tells a press from typed text. Someone typing
``btn:...`` by hand gets a :class:`ButtonPress` the engine rejects unless it offered that payload.

A shared contact is ``verified`` only when it came from our ``share-phone`` button: Viber then
sends the user's own number in a contact message whose text is the button's ActionBody
(:data:`SHARE_PHONE_ACTION`). A contact card forwarded from the address book has no such text.

Opening the chat: a client who is not subscribed yet gets the welcome message as the answer to
``conversation_started`` (the one message Viber allows before subscription); a subscribed client
reopening the chat gets nothing, and ``subscribed`` (which follows the welcome) starts nothing,
so the client is greeted once. Viber sends no ``subscribed`` for a first message, which
subscribes the client by itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import mimetypes
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final, Literal
from urllib.parse import unquote, urlsplit

import aiohttp
from viberbot.api.messages import (
    MESSAGE_TYPE_TO_CLASS,
    FileMessage,
    PictureMessage,
    TextMessage,
)
from viberbot.api.user_profile import UserProfile
from viberbot.api.viber_requests import EVENT_TYPE_TO_CLASS, create_request

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
    RateLimits,
    RecipientGone,
    RenderedButton,
    RenderedMessage,
    Sender,
    SendError,
    StartBody,
    StatusBody,
    SubscribedBody,
    TextBody,
    UnsubscribedBody,
    UnsupportedBody,
)

log = logging.getLogger(__name__)

API_BASE: Final = "https://chatapi.viber.com/pa"
SIGNATURE_HEADER: Final = "X-Viber-Content-Signature"
AUTH_HEADER: Final = "X-Viber-Auth-Token"
BUTTON_PREFIX: Final = "btn:"
SHARE_PHONE_ACTION: Final = "omnicab:share-phone"
WEBHOOK_EVENTS: Final = ["delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"]
KEYBOARD_API_VERSION: Final = 3
GRID_COLUMNS: Final = 6
SHORT_TITLE: Final = 16
MAX_SENDER_NAME: Final = 28
MAX_FILE_BYTES: Final = 50 * 1024 * 1024
MAX_ACTION_BODY: Final = 4096
TOO_MANY_REQUESTS_WAIT: Final = 1.0
REQUEST_TIMEOUT: Final = aiohttp.ClientTimeout(total=15, connect=5)

Status = Literal["sent", "delivered", "read", "failed"]
STATUS_EVENTS: Final[Mapping[str, Status]] = {"delivered": "delivered", "seen": "read", "failed": "failed"}
RECIPIENT_GONE: Final = frozenset({5, 6})
TOO_MANY_REQUESTS: Final = 12
PERMANENT: Final = frozenset({1, 2, 3, 4, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21})

CAPABILITIES: Final = Capabilities(
    max_text_length=7000,
    max_caption_length=768,
    max_buttons=24,
    max_button_title=40,
    max_payload_bytes=MAX_ACTION_BODY - len(BUTTON_PREFIX),
    buttons_per_row=2,
    supports_list=False,
    max_quick_buttons=0,
    supports_contact_request=True,
    media=frozenset({AttachmentKind.DOCUMENT, AttachmentKind.IMAGE}),
    files_by_url_only=True,
    keyboard_per_conversation=True,
)
RATE_LIMITS: Final = RateLimits(
    per_bot=45.0, per_bot_burst=1, per_chat=1.0, per_chat_burst=10, ceiling=500, ceiling_seconds=10.0
)
"""Viber documents no per-second limit for ``send_message``: only 100 messages an hour to a client
who does not answer (status 12, retried later) and, for broadcasts, 500 requests in 10 seconds.
That broadcast rate, 50 a second, is the ceiling taken per bot, and the bot's messages leave spaced
evenly at 45 a second, 10 % under it, as on the other platforms: a burst on top of the rate would
put more than 500 into ten seconds after a quiet spell. One a second per chat after a burst of ten
keeps a chat readable and far from the hourly limit."""
RETRY_HORIZON: Final = timedelta(hours=1)
"""Viber retries a callback the webhook did not accept for about an hour."""


class ViberAdapter:
    """One Viber bot account: ``bot`` is omnicab's bot name, ``name`` the sender name users see."""

    channel: Channel = Channel.VIBER
    CAPABILITIES: Final = CAPABILITIES
    RATE_LIMITS: Final = RATE_LIMITS
    retry_horizon: timedelta = RETRY_HORIZON

    def __init__(
        self,
        bot: str,
        auth_token: str,
        *,
        name: str,
        avatar: str | None = None,
        api_base: str | None = None,
        rate_limits: RateLimits = RATE_LIMITS,
    ) -> None:
        if not auth_token:
            raise ValueError(f"bot {bot}: a Viber auth token is required")
        if not 1 <= len(name) <= MAX_SENDER_NAME:
            raise ValueError(f"bot {bot}: a Viber sender name is 1-{MAX_SENDER_NAME} characters")
        self.bot = bot
        self.capabilities = CAPABILITIES
        self.rate_limits = rate_limits
        self._token = auth_token
        self._sender: dict[str, str] = {"name": name, **({"avatar": avatar} if avatar else {})}
        self._api_base = (api_base or API_BASE).rstrip("/")
        self._http: aiohttp.ClientSession | None = None
        self.account: dict[str, Any] | None = None

    @property
    def account_name(self) -> str | None:
        name = self.account.get("name") if self.account else None
        return name if isinstance(name, str) else None

    # ---- inbound: pure --------------------------------------------------------------------

    def verify(self, headers: Mapping[str, str], raw_body: bytes) -> bool:
        wanted = SIGNATURE_HEADER.lower()
        given = next((value for name, value in headers.items() if name.lower() == wanted), None)
        if not given:
            return False
        expected = hmac.new(self._token.encode(), raw_body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(given.strip().lower().encode(), expected.encode())

    def parse(self, raw_body: bytes) -> list[Inbound]:
        try:
            raw = json.loads(raw_body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BadRequest(f"not JSON: {error}") from error
        if not isinstance(raw, dict):
            raise BadRequest("a Viber callback is a JSON object")
        event = raw.get("event")
        if not isinstance(event, str) or event not in EVENT_TYPE_TO_CLASS:
            raise BadRequest(f"unknown Viber event {str(event)[:40]!r}")
        if event == "webhook":
            return []
        sender, body = self._parse_event(event, raw)
        if _reopened(event, raw, body):
            log.info("viber %s: a subscribed user reopened the chat; nothing to answer", self.bot)
            return []
        event_id = _event_id(event, raw, sender.user_id)
        return [
            Inbound(
                event_id=event_id,
                message_key=event_id,
                conversation=self._conversation(sender.user_id),
                sender=sender,
                body=body,
                raw=raw,
            )
        ]

    def welcome_expected(self, event: Inbound) -> bool:
        """True for ``conversation_started`` of a user not yet subscribed: the answer goes only in the
        webhook's response body (``send_message`` would fail with ``notSubscribed``)."""
        return (
            event.channel is Channel.VIBER
            and event.raw.get("event") == "conversation_started"
            and event.raw.get("subscribed") is not True
        )

    def _parse_event(self, event: str, raw: dict[str, Any]) -> tuple[Sender, Body]:
        if event == "message":
            return self._parse_message(raw)
        request = _viber_request(raw)
        if event == "conversation_started":
            context = request.context
            return _sender(request.user), StartBody(payload=str(context) if context else None)
        if event == "subscribed":
            return _sender(request.user), SubscribedBody()
        sender = Sender(user_id=_user_id(request.user_id))
        if event == "unsubscribed":
            return sender, UnsubscribedBody()
        error = str(request.desc) if event == "failed" and request.desc else None
        status = StatusBody(
            status=STATUS_EVENTS[event],
            message_id=str(request.message_token),
            error=error,
        )
        return sender, status

    def _parse_message(self, raw: dict[str, Any]) -> tuple[Sender, Body]:
        message = raw.get("message")
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise BadRequest("a Viber message callback has a message with a type")
        if message["type"] not in MESSAGE_TYPE_TO_CLASS:
            profile = _viber_profile(raw.get("sender"))
            return _sender(profile), UnsupportedBody(what=message["type"])
        request = _viber_request(raw)
        return _sender(request.sender), _message_body(request.message, message)

    def _conversation(self, user_id: str) -> ConversationRef:
        return ConversationRef(channel=Channel.VIBER, bot=self.bot, chat_id=user_id, user_id=user_id)

    # ---- outbound --------------------------------------------------------------------------

    async def send(self, message: RenderedMessage) -> str | None:
        """Send one rendered message; a document with a caption goes as two (Viber files have none).

        A retry after the caption went out but the file failed repeats the caption.
        """
        receiver = message.conversation.chat_id
        token: str | None = None
        for payload in await self._payloads(message):
            answer = await self._call("send_message", {**payload, "receiver": receiver})
            token = str(answer.get("message_token")) if answer.get("message_token") is not None else None
        return token

    def welcome_body(self, message: RenderedMessage) -> dict[str, Any]:
        """The JSON a webhook returns to ``conversation_started``: the one message before subscription.

        Text and pictures only: a welcome is a greeting, not a document.
        """
        attachment = message.attachment
        if attachment is not None and attachment.kind is not AttachmentKind.IMAGE:
            raise SendError("a Viber welcome message can be text or a picture", permanent=True)
        keyboard = _keyboard(message)
        if attachment is not None:
            built = _picture(attachment, keyboard)
        else:
            built = TextMessage(
                text=message.text, keyboard=keyboard, min_api_version=_api_version(keyboard)
            ).to_dict()
        return {"sender": dict(self._sender), **built}

    async def _payloads(self, message: RenderedMessage) -> list[dict[str, Any]]:
        keyboard = _keyboard(message)
        attachment = message.attachment
        if attachment is None:
            text = TextMessage(text=message.text, keyboard=keyboard, min_api_version=_api_version(keyboard))
            return [self._from_us(text.to_dict())]
        if attachment.kind is AttachmentKind.IMAGE:
            return [self._from_us(_picture(attachment, keyboard))]
        url = _url(attachment)
        file = FileMessage(
            media=url,
            size=_size(attachment),
            file_name=_file_name(attachment, url),
            keyboard=keyboard,
            min_api_version=_api_version(keyboard),
        )
        payloads = [self._from_us(file.to_dict())]
        caption = (attachment.caption or message.text).strip()
        if caption:
            payloads.insert(0, self._from_us(TextMessage(text=caption).to_dict()))
        return payloads

    def _from_us(self, built: dict[str, Any]) -> dict[str, Any]:
        return {**built, "sender": dict(self._sender)}

    async def acknowledge(self, event: Inbound) -> None:
        return None

    # ---- the REST API ----------------------------------------------------------------------

    async def _call(self, endpoint: str, body: Mapping[str, Any]) -> dict[str, Any]:
        url = f"{self._api_base}/{endpoint}"
        try:
            async with self._client().post(url, json=body, headers={AUTH_HEADER: self._token}) as response:
                status = response.status
                text = await response.text()
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as error:
            raise SendError(f"viber {endpoint}: {type(error).__name__}") from error
        except (aiohttp.ClientError, TimeoutError) as error:
            # The request may have left: Viber may have taken the message though no answer came.
            raise OutcomeUnknown(f"viber {endpoint}: {type(error).__name__}") from error
        if status == 429:
            raise SendError(f"viber {endpoint}: HTTP 429", code=429, retry_after=TOO_MANY_REQUESTS_WAIT)
        if status >= 500:
            raise SendError(f"viber {endpoint}: HTTP {status}", code=status)
        if status >= 400:
            raise SendError(f"viber {endpoint}: HTTP {status}", code=status, permanent=True)
        try:
            answer = json.loads(text)
        except json.JSONDecodeError as error:
            raise SendError(f"viber {endpoint}: the answer is not JSON") from error
        if not isinstance(answer, dict) or not isinstance(answer.get("status"), int):
            raise SendError(f"viber {endpoint}: the answer has no status")
        if answer["status"] != 0:
            raise _status_error(endpoint, answer["status"], str(answer.get("status_message") or ""))
        return answer

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=REQUEST_TIMEOUT)
        return self._http

    # ---- lifecycle -------------------------------------------------------------------------

    async def start(self, public_url: str | None) -> None:
        self.account = await self._call("get_account_info", {})
        if public_url:
            await self._call(
                "set_webhook",
                {
                    "url": f"{public_url.rstrip('/')}/webhooks/{self.bot}/viber",
                    "event_types": WEBHOOK_EVENTS,
                    "send_name": True,
                    "send_photo": False,
                },
            )
            log.info("viber %s: webhook set", self.bot)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None


# ---- parsing helpers ----------------------------------------------------------------------------


def _viber_request(raw: dict[str, Any]) -> Any:
    """viberbot's request object; its failures (bare ``Exception``, ``KeyError``...) become BadRequest."""
    try:
        return create_request(raw)
    except Exception as error:
        raise BadRequest(f"not a Viber {raw.get('event')} callback ({type(error).__name__})") from error


def _viber_profile(raw: object) -> Any:
    if not isinstance(raw, dict):
        raise BadRequest("a Viber message callback has a sender")
    return UserProfile().from_dict(raw)


def _user_id(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise BadRequest("a Viber callback names its user")
    return value


def _sender(profile: Any) -> Sender:
    name = profile.name if isinstance(profile.name, str) and profile.name.strip() else None
    language = profile.language if isinstance(profile.language, str) and profile.language else None
    return Sender(
        user_id=_user_id(profile.id),
        display_name=name,
        first_name=name.split()[0] if name else None,
        locale=language,
    )


def _reopened(event: str, raw: Mapping[str, Any], body: Body) -> bool:
    """A subscribed user opened the chat again, without a deep link: no welcome, no new start."""
    return event == "conversation_started" and raw.get("subscribed") is True and body == StartBody()


def _event_id(event: str, raw: Mapping[str, Any], user_id: str) -> str:
    token = raw.get("message_token")
    if token is None or isinstance(token, bool):
        return f"{event}:{user_id}:{raw.get('timestamp')}"
    return str(token) if event == "message" else f"{event}:{token}"


def _message_body(message: Any, raw: Mapping[str, Any]) -> Body:
    kind = raw["type"]
    if kind == "text":
        return _text_body(str(message.text or ""))
    if kind == "contact":
        return _contact_body(message, raw)
    if kind == "location":
        location = message.location
        if location is None or not location.validate():
            raise BadRequest("a Viber location has lat and lon in range")
        return LocationBody(latitude=float(location.latitude), longitude=float(location.longitude))
    if kind == "url":
        return TextBody(text=str(message.media or ""))
    if kind in ("picture", "video", "file"):
        return _file_body(kind, raw)
    return UnsupportedBody(what=kind)


def _text_body(text: str) -> Body:
    if text.startswith(BUTTON_PREFIX) and len(text) > len(BUTTON_PREFIX):
        return ButtonPress(payload=text.removeprefix(BUTTON_PREFIX))
    if text == SHARE_PHONE_ACTION:
        return UnsupportedBody(what="contact")
    return TextBody(text=text)


def _contact_body(message: Any, raw: Mapping[str, Any]) -> Body:
    contact = message.contact
    phone = normalize_phone(str(contact.phone_number or "")) if contact is not None else None
    if phone is None:
        return UnsupportedBody(what="contact")
    name = contact.name if isinstance(contact.name, str) and contact.name.strip() else None
    first, _, last = (name or "").partition(" ")
    return ContactShared(
        phone=phone,
        verified=raw.get("text") == SHARE_PHONE_ACTION,
        first_name=first or None,
        last_name=last.strip() or None,
    )


def _file_body(kind: str, raw: Mapping[str, Any]) -> FileBody:
    media = raw.get("media")
    if not isinstance(media, str) or not media:
        raise BadRequest(f"a Viber {kind} message has a media URL")
    file_name = raw.get("file_name") if isinstance(raw.get("file_name"), str) else None
    size = raw.get("size") if isinstance(raw.get("size"), int) else None
    duration = raw.get("duration") if isinstance(raw.get("duration"), int) else None
    caption = raw.get("text") if isinstance(raw.get("text"), str) and raw.get("text") else None
    mime_type = mimetypes.guess_type(file_name or urlsplit(media).path)[0]
    media_kind = {"picture": MediaKind.IMAGE, "video": MediaKind.VIDEO}.get(kind, MediaKind.DOCUMENT)
    if media_kind is MediaKind.DOCUMENT and mime_type and mime_type.startswith("audio/"):
        media_kind = MediaKind.AUDIO
    return FileBody(
        media=media_kind,
        file_id=media,
        mime_type=mime_type or ("image/jpeg" if media_kind is MediaKind.IMAGE else None),
        size=size,
        file_name=file_name,
        caption=caption,
        duration=duration,
    )


# ---- sending helpers ----------------------------------------------------------------------------


def _keyboard(message: RenderedMessage) -> dict[str, Any] | None:
    buttons = _reply_buttons(message.buttons) if message.layout != "none" else []
    if message.request_contact is not None:
        buttons.append(
            {
                "Columns": GRID_COLUMNS,
                "Rows": 1,
                "ActionType": "share-phone",
                "ActionBody": SHARE_PHONE_ACTION,
                "Text": message.request_contact,
                "TextSize": "regular",
            }
        )
    if not buttons:
        return None
    return {"Type": "keyboard", "DefaultHeight": False, "Buttons": buttons}


def _reply_buttons(buttons: tuple[RenderedButton, ...]) -> list[dict[str, Any]]:
    """Two buttons a row (3 of the 6 grid columns) when every title is short, else one a row."""
    half = GRID_COLUMNS // 2
    pairs = len(buttons) > 1 and all(len(button.title) <= SHORT_TITLE for button in buttons)
    laid_out: list[dict[str, Any]] = []
    for index, button in enumerate(buttons):
        alone_in_last_row = index == len(buttons) - 1 and index % 2 == 0
        columns = half if pairs and not alone_in_last_row else GRID_COLUMNS
        laid_out.append(
            {
                "Columns": columns,
                "Rows": 1,
                "ActionType": "reply",
                "ActionBody": BUTTON_PREFIX + button.payload,
                "Text": button.title,
                "TextSize": "regular",
                "Silent": True,
            }
        )
    return laid_out


def _api_version(keyboard: dict[str, Any] | None) -> int | None:
    return KEYBOARD_API_VERSION if keyboard is not None else None


def _picture(attachment: Attachment, keyboard: dict[str, Any] | None) -> dict[str, Any]:
    picture = PictureMessage(
        media=_url(attachment),
        text=attachment.caption or "",
        keyboard=keyboard,
        min_api_version=_api_version(keyboard),
    )
    built: dict[str, Any] = picture.to_dict()
    if built.get("thumbnail") is None:
        built.pop("thumbnail", None)
    return built


def _url(attachment: Attachment) -> str:
    url = attachment.source.url
    if not url:
        raise SendError(
            "viber takes attachments by URL only: serve the file under a short-lived signed link",
            permanent=True,
        )
    return url


def _size(attachment: Attachment) -> int:
    """A file message states the file's size; the sender declares it (no request to learn it)."""
    if attachment.size is None or attachment.size <= 0:
        raise SendError("viber: a file message needs the file's size", permanent=True)
    if attachment.size > MAX_FILE_BYTES:
        raise SendError("viber: files are at most 50 MB", permanent=True)
    return attachment.size


def _file_name(attachment: Attachment, url: str) -> str:
    """Viber refuses a file without an extension: the attachment's name, else the link's last segment
    (a signed link's token has none worth keeping), else one made from its type."""
    return attachment.named(fallback=unquote(urlsplit(url).path.rsplit("/", 1)[-1]))


def _status_error(endpoint: str, status: int, status_message: str) -> SendError:
    message = f"viber {endpoint}: status {status} {status_message[:80]}".rstrip()
    if status in RECIPIENT_GONE:
        return RecipientGone(message, code=status)
    if status == TOO_MANY_REQUESTS:
        return SendError(message, code=status, retry_after=TOO_MANY_REQUESTS_WAIT)
    return SendError(message, code=status, permanent=status in PERMANENT)
