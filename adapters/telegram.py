"""The Telegram channel: webhook updates in, Bot API calls out, through aiogram.

A text reply (``sendMessage``, the call of nearly every message) goes as JSON through aiogram's
own session and API server, every other call through aiogram's typed methods; a plain text update
is read from its JSON, any other through aiogram's models.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import operator
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any, Final, TypeGuard, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ContentType
from aiogram.exceptions import (
    AiogramError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import SendMessage
from aiogram.methods.base import Response
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    User,
    WebhookInfo,
)
from aiogram.utils.token import TokenValidationError
from aiohttp import ClientConnectorError, ClientError, ClientTimeout, ConnectionTimeoutError
from pydantic import ValidationError

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
    SubscribedBody,
    TextBody,
    UnsubscribedBody,
    UnsupportedBody,
)

log = logging.getLogger(__name__)

SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES: Final = ["message", "edited_message", "callback_query", "my_chat_member"]
ALLOWED_UPDATES_SET: Final = frozenset(ALLOWED_UPDATES)
SHORT_TITLE: Final = 14
POLL_TIMEOUT_SECONDS: Final = 25
MAX_BACKOFF_SECONDS: Final = 30.0
# aiogram validates every API answer as ``Response[<returning type>]``; pydantic keeps parametrized
# generics in a weak cache, so without a strong reference each call rebuilds the model and its
# schema (about a tenth of the send path). Built once here and kept.
_RESPONSE_MODELS: Final = (
    Response[Message],
    Response[bool],
    Response[User],
    Response[WebhookInfo],
    Response[list[Update]],
)

_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
MESSAGE_UPDATES: Final = ("message", "edited_message")
MESSAGE_ENVELOPE: Final = frozenset(
    {
        "message_id",
        "message_thread_id",
        "date",
        "edit_date",
        "chat",
        "from",
        "sender_chat",
        "text",
        "entities",
    }
)
_CONTENT_TYPES: Final = frozenset(content_type.value for content_type in ContentType)
_PLAIN_MESSAGE: Final[Mapping[str, type]] = {
    "message_id": int,
    "date": int,
    "chat": dict,
    "from": dict,
    "text": str,
}
_MESSAGE_REQUIRED: Final = frozenset({"message_id", "date", "chat", "text"})
_PLAIN_CHAT: Final[Mapping[str, type]] = {
    "id": int,
    "type": str,
    "title": str,
    "username": str,
    "first_name": str,
    "last_name": str,
}
_CHAT_REQUIRED: Final = frozenset({"id", "type"})
_PLAIN_USER: Final[Mapping[str, type]] = {
    "id": int,
    "is_bot": bool,
    "first_name": str,
    "last_name": str,
    "username": str,
    "language_code": str,
    "is_premium": bool,
}
_USER_REQUIRED: Final = frozenset({"id", "is_bot", "first_name"})

CAPABILITIES: Final = Capabilities(
    max_text_length=4096,
    max_caption_length=1024,
    max_buttons=100,
    max_button_title=64,
    max_payload_bytes=64,
    buttons_per_row=2,
    supports_list=False,
    max_quick_buttons=0,
    supports_contact_request=True,
    media=frozenset(AttachmentKind),
)

RATE_LIMITS: Final = RateLimits(per_bot=27.0, per_bot_burst=1, per_chat=1.0, per_chat_burst=10, ceiling=30)
"""Telegram's FAQ: about 30 messages a second per bot, about one a second per chat (short bursts pass).
The bot's messages are spaced evenly (no burst): a burst on top of the rate would put up to twice the
limit into one second, which Telegram answers with 429. They leave at 27 a second, 10 % under the
limit: sends paced evenly arrive unevenly (one delayed, the next on time), and the platform counts
any sliding second."""
RETRY_HORIZON: Final = timedelta(hours=24)
"""Telegram keeps an update it could not deliver for at most 24 hours."""

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
_JSON_HEADERS: Final = {"Content-Type": "application/json"}
Parsed = tuple[ConversationRef, Sender, Body, str]


class TelegramAdapter:
    """One Telegram bot: ``bot`` is omnicab's bot name, ``token`` the Bot API token."""

    channel: Channel = Channel.TELEGRAM
    CAPABILITIES: Final = CAPABILITIES
    RATE_LIMITS: Final = RATE_LIMITS
    retry_horizon: timedelta = RETRY_HORIZON

    def __init__(
        self,
        bot: str,
        token: str,
        webhook_secret: str,
        api_base: str | None = None,
        *,
        rate_limits: RateLimits = RATE_LIMITS,
        timeout: float = 60.0,
    ) -> None:
        if not _SECRET_PATTERN.fullmatch(webhook_secret):
            raise ValueError("a Telegram webhook secret is 1-256 characters of A-Z, a-z, 0-9, _ and -")
        session = (
            AiohttpSession(api=TelegramAPIServer.from_base(api_base), timeout=timeout)
            if api_base
            else AiohttpSession(timeout=timeout)
        )
        self._session = session
        self._timeout = ClientTimeout(total=timeout)
        try:
            self._bot = Bot(token, session=session)
        except TokenValidationError as error:
            raise ValueError(f"invalid Telegram token for bot {bot}") from error
        self.bot = bot
        self.capabilities = CAPABILITIES
        self.rate_limits = rate_limits
        self._secret = webhook_secret.encode()
        self.me: User | None = None

    # ---- inbound: pure --------------------------------------------------------------------

    def verify(self, headers: Mapping[str, str], raw_body: bytes) -> bool:
        wanted = SECRET_HEADER.lower()
        given = next((value for name, value in headers.items() if name.lower() == wanted), None)
        return given is not None and hmac.compare_digest(given.encode(), self._secret)

    def parse(self, raw_body: bytes) -> list[Inbound]:
        try:
            raw = json.loads(raw_body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BadRequest(f"not JSON: {error}") from error
        if not isinstance(raw, dict):
            raise BadRequest("a Telegram update is a JSON object")
        update_id = raw.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise BadRequest("a Telegram update has an integer update_id")
        if not ALLOWED_UPDATES_SET.intersection(raw):
            log.info("telegram %s: update %s of an unhandled type skipped", self.bot, update_id)
            return []
        plain = self._plain_text(raw)
        if plain is not None:
            return [self._inbound(raw, update_id, plain)]
        degraded: str | None = None
        try:
            update = Update.model_validate(raw)
        except ValidationError as error:
            update, degraded = _without_message_content(raw, error)
            log.warning(
                "telegram %s: update %s kept without its %s content (%d validation errors)",
                self.bot,
                raw.get("update_id"),
                degraded,
                error.error_count(),
            )
        parsed = self._parse_update(update)
        if parsed is None:
            log.info("telegram %s: update %s has nothing for the dialogs", self.bot, update_id)
            return []
        conversation, sender, body, message_key = parsed
        if degraded is not None and isinstance(body, UnsupportedBody):
            parsed = conversation, sender, UnsupportedBody(what=degraded), message_key
        return [self._inbound(raw, update.update_id, parsed)]

    @staticmethod
    def _inbound(raw: dict[str, Any], update_id: int, parsed: Parsed) -> Inbound:
        conversation, sender, body, message_key = parsed
        return Inbound(
            event_id=str(update_id),
            message_key=message_key,
            conversation=conversation,
            sender=sender,
            body=body,
            raw=raw,
        )

    def _plain_text(self, raw: dict[str, Any]) -> Parsed | None:
        """A new text message read straight from the JSON, or None for anything else.

        Most updates are exactly that, and validating them into aiogram's models (four objects,
        each with its private attributes) was most of the webhook's parse. Only a message every
        field of which has the JSON type aiogram reads it as, with no field this walk does not
        know, is taken here: then the models would hold the same values, and the result is what
        the models give. Anything else (entities, media, a wrong type) goes through the models.
        """
        message = raw.get("message")
        if len(raw) != 2 or not _plain(message, _PLAIN_MESSAGE, _MESSAGE_REQUIRED):
            return None
        chat, user = message["chat"], message.get("from")
        if not _plain(chat, _PLAIN_CHAT, _CHAT_REQUIRED) or (
            user is not None and not _plain(user, _PLAIN_USER, _USER_REQUIRED)
        ):
            return None
        sender = (
            _sender_of(
                user["id"],
                user["first_name"],
                user.get("last_name"),
                user.get("username"),
                user.get("language_code"),
                user["is_bot"],
            )
            if user is not None
            else Sender(user_id=str(chat["id"]))
        )
        body = _text_body(message["text"])
        key = f"{chat['id']}:{message['message_id']}"
        return self._conversation(chat["id"], sender.user_id), sender, body, key

    def _parse_update(self, update: Update) -> Parsed | None:
        if update.message is not None:
            message = update.message
            return self._from_message(
                message, _message_body(message), f"{message.chat.id}:{message.message_id}"
            )
        if update.edited_message is not None:
            edited = update.edited_message
            if edited.text is None:
                return None
            key = f"{edited.chat.id}:{edited.message_id}:edited:{edited.edit_date or update.update_id}"
            return self._from_message(edited, TextBody(text=edited.text, edited=True), key)
        if update.callback_query is not None:
            return self._from_callback(update.callback_query)
        if update.my_chat_member is not None:
            return self._from_member_change(update.my_chat_member)
        return None

    def _from_message(self, message: Message, body: Body, message_key: str) -> Parsed:
        sender = _sender(message.from_user) if message.from_user else Sender(user_id=str(message.chat.id))
        return self._conversation(message.chat.id, sender.user_id), sender, body, message_key

    def _from_callback(self, callback: CallbackQuery) -> Parsed:
        sender = _sender(callback.from_user)
        chat_id = callback.message.chat.id if callback.message is not None else callback.from_user.id
        body: Body = (
            ButtonPress(payload=callback.data, callback_id=callback.id)
            if callback.data is not None
            else UnsupportedBody(what="game")
        )
        return self._conversation(chat_id, sender.user_id), sender, body, f"callback:{callback.id}"

    def _from_member_change(self, change: ChatMemberUpdated) -> Parsed | None:
        """Blocked: stop messaging. Unblocked: they may be messaged again; the «Restart» button that
        unblocks also sends ``/start``, which is what starts the dialog (so it greets once)."""
        old, new = change.old_chat_member.status, change.new_chat_member.status
        body: Body
        if new == "kicked":
            body = UnsubscribedBody()
        elif new == "member" and old == "kicked":
            body = SubscribedBody()
        else:
            return None
        sender = _sender(change.from_user)
        key = f"member:{change.chat.id}:{int(change.date.timestamp())}:{new}"
        return self._conversation(change.chat.id, sender.user_id), sender, body, key

    def _conversation(self, chat_id: int, user_id: str) -> ConversationRef:
        return ConversationRef(channel=Channel.TELEGRAM, bot=self.bot, chat_id=str(chat_id), user_id=user_id)

    # ---- outbound --------------------------------------------------------------------------

    async def send(self, message: RenderedMessage) -> str | None:
        chat_id = _chat_id(message.conversation.chat_id)
        try:
            if message.attachment is None:
                return await self._send_text(chat_id, message.text, _reply_markup(message))
            sent = await self._send_attachment(chat_id, message.attachment, _markup(message))
        except (AiogramError, TimeoutError) as error:
            raise _send_error(error) from error
        return str(sent.message_id)

    async def _send_text(self, chat_id: int | str, text: str, markup: dict[str, Any] | None) -> str:
        """``sendMessage`` as JSON through aiogram's own HTTP session and API server.

        Every reply is one, so it skips what aiogram's typed call costs on each (the method and
        markup models, their dump into a form, the answer's validation into a ``Message``: about
        two thirds of a menu reply's CPU). aiogram's method object is built only when a failure needs it,
        and the failure is aiogram's own (``check_response``, ``TelegramNetworkError`` made from
        the aiohttp error as aiogram makes it), so it means what any other call's failure means.
        """
        fields: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if markup is not None:
            fields["reply_markup"] = markup
        http = await self._session.create_session()
        url = self._session.api.api_url(token=self._bot.token, method="sendMessage")
        try:
            async with http.post(
                url,
                data=json.dumps(fields, ensure_ascii=False).encode(),
                headers=_JSON_HEADERS,
                timeout=self._timeout,
            ) as response:
                status, content = response.status, await response.text()
        except TimeoutError as error:
            raise TelegramNetworkError(
                method=SendMessage(**fields), message="Request timeout error"
            ) from error
        except ClientError as error:
            raise TelegramNetworkError(
                method=SendMessage(**fields), message=f"{type(error).__name__}: {error}"
            ) from error
        message_id = _sent_message_id(content) if status == 200 else None
        if message_id is not None:
            return message_id
        answer = self._session.check_response(
            bot=self._bot, method=SendMessage(**fields), status_code=status, content=content
        )
        return str(cast(Message, answer.result).message_id)

    async def _send_attachment(
        self, chat_id: int | str, attachment: Attachment, markup: Markup | None
    ) -> Message:
        source = attachment.source
        file: str | BufferedInputFile
        if source.file_id:
            file = source.file_id
        elif source.data is not None:
            file = BufferedInputFile(source.data, filename=attachment.named())
        elif source.url:
            file = source.url
        else:
            raise SendError("the attachment has no source", permanent=True)
        caption = attachment.caption
        match attachment.kind:
            case AttachmentKind.AUDIO:
                return await self._bot.send_audio(
                    chat_id, file, caption=caption, duration=attachment.duration, reply_markup=markup
                )
            case AttachmentKind.VOICE:
                return await self._bot.send_voice(
                    chat_id, file, caption=caption, duration=attachment.duration, reply_markup=markup
                )
            case AttachmentKind.IMAGE:
                return await self._bot.send_photo(chat_id, file, caption=caption, reply_markup=markup)
            case AttachmentKind.DOCUMENT:
                return await self._bot.send_document(chat_id, file, caption=caption, reply_markup=markup)

    async def acknowledge(self, event: Inbound) -> None:
        body = event.body
        if not isinstance(body, ButtonPress) or body.callback_id is None:
            return
        try:
            await self._bot.answer_callback_query(body.callback_id)
        except (AiogramError, TimeoutError) as error:
            log.warning("telegram %s: answerCallbackQuery failed (%s)", self.bot, type(error).__name__)

    # ---- lifecycle -------------------------------------------------------------------------

    async def start(self, public_url: str | None) -> None:
        try:
            self.me = await self._bot.get_me()
            if public_url:
                await self._bot.set_webhook(
                    url=f"{public_url.rstrip('/')}/webhooks/{self.bot}/telegram",
                    secret_token=self._secret.decode(),
                    allowed_updates=ALLOWED_UPDATES,
                    drop_pending_updates=False,
                )
        except (AiogramError, TimeoutError) as error:
            raise _send_error(error) from error

    async def poll(self, handler: Callable[[bytes], Awaitable[None]], *, stop: asyncio.Event) -> None:
        """Long polling for local work without a public URL; each update goes to ``handler`` as JSON.

        An update is confirmed to Telegram only after ``handler`` took it, so a failing handler
        sees it again after a back-off.
        """
        offset: int | None = None
        failures = 0
        deleted_webhook = False
        while not stop.is_set():
            try:
                if not deleted_webhook:
                    await self._bot.delete_webhook(drop_pending_updates=False)
                    deleted_webhook = True
                updates = await _until_stopped(self._next_updates(offset), stop)
                if updates is None:
                    return
                for update in updates:
                    await handler(
                        json.dumps(update.model_dump(mode="json", exclude_none=True, by_alias=True)).encode()
                    )
                    offset = update.update_id + 1
                failures = 0
            except TelegramRetryAfter as error:
                await _sleep_unless_stopped(float(error.retry_after), stop)
            except Exception as error:
                failures += 1
                delay = min(MAX_BACKOFF_SECONDS, 2.0 ** (failures - 1))
                log.warning(
                    "telegram %s: polling failed (%s), retry in %.0fs", self.bot, type(error).__name__, delay
                )
                await _sleep_unless_stopped(delay, stop)

    async def _next_updates(self, offset: int | None) -> list[Update]:
        return await self._bot.get_updates(
            offset=offset,
            timeout=POLL_TIMEOUT_SECONDS,
            allowed_updates=ALLOWED_UPDATES,
            request_timeout=POLL_TIMEOUT_SECONDS + 10,
        )

    async def close(self) -> None:
        await self._bot.session.close()


# ---- parsing helpers ----------------------------------------------------------------------------


def _sender(user: User) -> Sender:
    return _sender_of(
        user.id, user.first_name, user.last_name, user.username, user.language_code, user.is_bot
    )


def _sender_of(
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language_code: str | None,
    is_bot: bool,
) -> Sender:
    display_name = " ".join(part for part in (first_name, last_name) if part) or None
    return Sender(
        user_id=str(user_id),
        display_name=display_name,
        first_name=first_name,
        username=username,
        locale=language_code,
        is_bot=is_bot,
    )


def _plain(value: object, fields: Mapping[str, type], required: frozenset[str]) -> TypeGuard[dict[str, Any]]:
    """A JSON object with every ``required`` field, only ``fields``, each of exactly its type
    (``type(...) is``: JSON's true is no integer here, as it would be for ``isinstance``)."""
    if not isinstance(value, dict) or not required.issubset(value):
        return False
    return all(map(operator.is_, map(fields.get, value), map(type, value.values())))


def _message_body(message: Message) -> Body:
    if message.text is not None:
        return _text_body(message.text)
    if message.contact is not None:
        contact = message.contact
        phone = normalize_phone(contact.phone_number)
        if phone is None:
            return UnsupportedBody(what="contact")
        own = message.from_user is not None and contact.user_id == message.from_user.id
        return ContactShared(
            phone=phone,
            verified=own,
            first_name=contact.first_name,
            last_name=contact.last_name,
        )
    if message.location is not None:
        return LocationBody(latitude=message.location.latitude, longitude=message.location.longitude)
    file = _file_body(message)
    if file is not None:
        return file
    content_type = message.content_type
    return UnsupportedBody(what=content_type.value if isinstance(content_type, ContentType) else content_type)


def _text_body(text: str) -> Body:
    command, _, rest = text.partition(" ")
    if command == "/start" or command.startswith("/start@"):
        return StartBody(payload=rest.strip() or None)
    return TextBody(text=text)


def _file_body(message: Message) -> FileBody | None:
    caption = message.caption
    if message.animation is not None or message.sticker is not None:
        return None
    if message.document is not None:
        doc = message.document
        return FileBody(
            media=MediaKind.DOCUMENT,
            file_id=doc.file_id,
            mime_type=doc.mime_type,
            size=doc.file_size,
            file_name=doc.file_name,
            caption=caption,
        )
    if message.audio is not None:
        audio = message.audio
        return FileBody(
            media=MediaKind.AUDIO,
            file_id=audio.file_id,
            mime_type=audio.mime_type,
            size=audio.file_size,
            file_name=audio.file_name,
            caption=caption,
            duration=audio.duration,
        )
    if message.voice is not None:
        voice = message.voice
        return FileBody(
            media=MediaKind.VOICE,
            file_id=voice.file_id,
            mime_type=voice.mime_type,
            size=voice.file_size,
            caption=caption,
            duration=voice.duration,
        )
    if message.photo:
        largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0))
        return FileBody(
            media=MediaKind.IMAGE,
            file_id=largest.file_id,
            mime_type="image/jpeg",
            size=largest.file_size,
            caption=caption,
        )
    if message.video is not None:
        video = message.video
        return FileBody(
            media=MediaKind.VIDEO,
            file_id=video.file_id,
            mime_type=video.mime_type,
            size=video.file_size,
            file_name=video.file_name,
            caption=caption,
            duration=video.duration,
        )
    if message.video_note is not None:
        note = message.video_note
        return FileBody(
            media=MediaKind.VIDEO, file_id=note.file_id, size=note.file_size, duration=note.duration
        )
    return None


def _without_message_content(raw: dict[str, Any], error: ValidationError) -> tuple[Update, str]:
    """The update reduced to what the dialogs use, when its full content fails validation.

    Telegram adds fields to content objects (polls, stories, member rights...) and SDKs require
    new fields that an older server does not send; the client must still get an answer. Messages
    keep their envelope and text; chat member changes keep only the statuses that matter here.
    """
    lenient = dict(raw)
    dropped = "unknown"
    for key in MESSAGE_UPDATES:
        message = raw.get(key)
        if isinstance(message, dict):
            lenient[key] = {name: value for name, value in message.items() if name in MESSAGE_ENVELOPE}
            dropped = next((name for name in message if name in _CONTENT_TYPES), dropped)
    change = raw.get("my_chat_member")
    if isinstance(change, dict):
        lenient["my_chat_member"] = {
            **change,
            "old_chat_member": _member_status(change.get("old_chat_member")),
            "new_chat_member": _member_status(change.get("new_chat_member")),
        }
    try:
        return Update.model_validate(lenient), dropped
    except ValidationError:
        raise BadRequest(f"not a Telegram update ({error.error_count()} errors)") from error


def _member_status(member: object) -> object:
    if not isinstance(member, dict):
        return member
    status = member.get("status")
    return {
        "user": member.get("user"),
        "status": status if status in ("member", "kicked") else "left",
        "until_date": member.get("until_date", 0),
    }


# ---- sending helpers ----------------------------------------------------------------------------


def _chat_id(chat_id: str) -> int | str:
    return int(chat_id) if re.fullmatch(r"-?\d+", chat_id) else chat_id


def _reply_markup(message: RenderedMessage) -> dict[str, Any] | None:
    """The message's keyboard as Bot API JSON (what aiogram's markup models dump to)."""
    if message.request_contact is not None:
        return {
            "keyboard": [[{"text": message.request_contact, "request_contact": True}]],
            "resize_keyboard": True,
            "one_time_keyboard": True,
        }
    if message.buttons and message.layout != "none":
        return {"inline_keyboard": _rows(message.buttons)}
    if message.remove_keyboard:
        return {"remove_keyboard": True}
    return None


def _markup(message: RenderedMessage) -> Markup | None:
    """The same keyboard as aiogram's model, for the typed calls (attachments)."""
    fields = _reply_markup(message)
    if fields is None:
        return None
    if "inline_keyboard" in fields:
        return InlineKeyboardMarkup.model_validate(fields)
    if "keyboard" in fields:
        return ReplyKeyboardMarkup.model_validate(fields)
    return ReplyKeyboardRemove.model_validate(fields)


def _rows(buttons: tuple[RenderedButton, ...]) -> list[list[dict[str, str]]]:
    keyboard = [{"text": button.title, "callback_data": button.payload} for button in buttons]
    per_row = 2 if all(len(button.title) <= SHORT_TITLE for button in buttons) else 1
    return [keyboard[start : start + per_row] for start in range(0, len(keyboard), per_row)]


def _sent_message_id(content: str) -> str | None:
    """The id of the message a successful ``sendMessage`` answer carries; None for anything else."""
    try:
        answer = json.loads(content)
    except ValueError:
        return None
    result = answer.get("result") if isinstance(answer, dict) and answer.get("ok") is True else None
    message_id = result.get("message_id") if isinstance(result, dict) else None
    if isinstance(message_id, int) and not isinstance(message_id, bool):
        return str(message_id)
    return None


def _send_error(error: BaseException) -> SendError:
    """The adapter-level meaning of an aiogram failure: wait, give up, or try again."""
    message = f"telegram: {type(error).__name__}: {error}"
    if isinstance(error, TelegramRetryAfter):
        return SendError(message, code=429, retry_after=float(error.retry_after))
    if isinstance(error, TelegramForbiddenError):
        return RecipientGone(message, code=403)
    if isinstance(error, TelegramBadRequest):
        return SendError(message, code=400, permanent=True)
    if isinstance(error, TelegramUnauthorizedError):
        return SendError(message, code=401, permanent=True)
    if isinstance(error, TelegramNotFound):
        return SendError(message, code=404, permanent=True)
    if isinstance(error, TelegramEntityTooLarge):
        return SendError(message, code=413, permanent=True)
    if isinstance(error, TelegramServerError):
        return SendError(message, code=500)
    if isinstance(error, TelegramNetworkError | TimeoutError) and not _never_left(error):
        return OutcomeUnknown(message)
    return SendError(message)


def _never_left(error: BaseException) -> bool:
    """Whether the request surely never reached Telegram: the connection was never made.

    aiogram's session turns every aiohttp failure into ``TelegramNetworkError`` (and a timeout into
    one saying so); the aiohttp error it replaced is its ``__context__``. A timeout, a disconnect or
    a reset after connecting may come after Telegram took the message.
    """
    cause = error.__context__ or error.__cause__
    return isinstance(cause, ClientConnectorError | ConnectionTimeoutError)


async def _until_stopped(work: Awaitable[list[Update]], stop: asyncio.Event) -> list[Update] | None:
    """The result of ``work``, or None (``work`` cancelled) as soon as ``stop`` is set."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        raise
    finally:
        stopped.cancel()
    if task.done():
        return task.result()
    task.cancel()
    return None


async def _sleep_unless_stopped(seconds: float, stop: asyncio.Event) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return
