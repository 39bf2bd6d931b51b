"""The Bot API semantics of the fake Telegram: bots, chats, messages, limits and errors, without HTTP.

Every method answers what the real Bot API answers for the same call, including its error
descriptions, so an adapter tested here meets no surprise on api.telegram.org.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import secrets
import time
from collections import OrderedDict, defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bots.demo.bodies import RequestParams, Upload
from bots.demo.files import FileStore, StoredFile
from bots.demo.registry import WebhookArrivals

TOKEN_PATTERN = re.compile(r"(\d+):[A-Za-z0-9_-]{20,}")
SECRET_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
CHAT_ID_PATTERN = re.compile(r"-?\d+")

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
FLOOD_MESSAGES_PER_SECOND = 30
BOT_MESSAGES_PER_SECOND = 30
"""Telegram's broadcast limit: about 30 messages a second through one bot, over all its chats."""
MAX_POLL_TIMEOUT = 50.0
MAX_KEPT_MESSAGES = 50_000
MAX_KEPT_CALLBACKS = 10_000
MAX_PENDING_UPDATES = 10_000

ID_EPOCH_SECONDS = 1_704_067_200  # 2024-01-01: keeps clock-seeded ids short


def clock_seeded_id() -> int:
    """Where a counter of update or message ids starts: milliseconds of the clock, so ids keep
    increasing across restarts of the demo, as Telegram's do (a restarted counter would repeat
    ids that the bots have stored)."""
    return int((time.time() - ID_EPOCH_SECONDS) * 1000)


MESSAGE_UPDATES = ("message", "edited_message", "channel_post", "edited_channel_post", "business_message")
NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
    }
)
INT_FIELDS = frozenset(
    {
        "message_id",
        "offset",
        "limit",
        "timeout",
        "duration",
        "width",
        "height",
        "max_connections",
        "cache_time",
        "message_thread_id",
        "reply_to_message_id",
    }
)
BOOL_FIELDS = frozenset(
    {
        "drop_pending_updates",
        "show_alert",
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "has_spoiler",
        "disable_content_type_detection",
    }
)
BLOCKED = "Forbidden: bot was blocked by the user"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)


class ApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def envelope(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            answer["parameters"] = {"retry_after": self.retry_after}
        return answer


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def typed_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Form fields as the Bot API reads them: JSON-serialized objects, numbers and booleans decoded."""
    typed: dict[str, Any] = {}
    for name, value in fields.items():
        if not isinstance(value, str):
            typed[name] = value
        elif name in JSON_FIELDS:
            try:
                typed[name] = json.loads(value)
            except json.JSONDecodeError as error:
                raise bad_request(f"can't parse {name} JSON object") from error
        elif name in INT_FIELDS and CHAT_ID_PATTERN.fullmatch(value):
            typed[name] = int(value)
        elif name in BOOL_FIELDS:
            typed[name] = value.lower() == "true"
        elif name == "chat_id" and CHAT_ID_PATTERN.fullmatch(value):
            typed[name] = int(value)
        else:
            typed[name] = value
    return typed


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    allowed_updates: list[str] | None
    last_error_date: int | None = None
    last_error_message: str | None = None

    def accepts(self, update_type: str) -> bool:
        if self.allowed_updates:
            return update_type in self.allowed_updates
        return update_type not in NOT_DELIVERED_BY_DEFAULT


@dataclass
class BotState:
    bot_id: int
    webhook: Webhook | None = None
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    messages: OrderedDict[tuple[int, int], dict[str, Any]] = field(default_factory=OrderedDict)
    last_message_id: dict[int, int] = field(default_factory=lambda: defaultdict(clock_seeded_id))
    callbacks: OrderedDict[str, None] = field(default_factory=OrderedDict)
    pending: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=MAX_PENDING_UPDATES))
    last_update_id: int = field(default_factory=clock_seeded_id)
    recent_sends: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    bot_sends: deque[float] = field(default_factory=deque)
    update_arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Omnicab Demo",
            "username": f"omnicab_{self.bot_id}_bot",
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def next_message_id(self, chat_id: int) -> int:
        self.last_message_id[chat_id] += 1
        return self.last_message_id[chat_id]

    def keep_message(self, message: dict[str, Any]) -> None:
        self.messages[(message["chat"]["id"], message["message_id"])] = message
        while len(self.messages) > MAX_KEPT_MESSAGES:
            self.messages.popitem(last=False)


Method = Callable[[BotState, dict[str, Any], RequestParams], Awaitable[Any]]


class TelegramBotApi:
    """All bots of the fake, keyed by the id part of their token."""

    def __init__(self, files: FileStore, *, bot_messages_per_second: int = BOT_MESSAGES_PER_SECOND) -> None:
        self.files = files
        self.bot_messages_per_second = bot_messages_per_second
        self._bots: dict[int, BotState] = {}
        self.webhook_arrivals = WebhookArrivals()
        self._methods: dict[str, tuple[str, Method]] = {
            name.lower(): (name, method)
            for name, method in {
                "getMe": self._get_me,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "getUpdates": self._get_updates,
                "sendMessage": self._send_message,
                "sendAudio": self._media_sender("audio"),
                "sendVoice": self._media_sender("voice"),
                "sendDocument": self._media_sender("document"),
                "sendPhoto": self._media_sender("photo"),
                "answerCallbackQuery": self._answer_callback_query,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "getFile": self._get_file,
            }.items()
        }

    def bot(self, token: str) -> BotState:
        """The bot a token belongs to; any well-formed token is a bot of its own."""
        match = TOKEN_PATTERN.fullmatch(token)
        if match is None:
            raise ApiError(401, "Unauthorized")
        bot_id = int(match.group(1))
        if bot_id not in self._bots:
            self._bots[bot_id] = BotState(bot_id)
        return self._bots[bot_id]

    def bots_with_webhook(self) -> list[BotState]:
        return [bot for bot in self._bots.values() if bot.webhook is not None]

    def method_name(self, method: str) -> str:
        """The canonical spelling of a method (the Bot API ignores case)."""
        known = self._methods.get(method.lower())
        return known[0] if known else method

    async def call(self, bot: BotState, method: str, params: RequestParams) -> Any:
        known = self._methods.get(method.lower())
        if known is None:
            raise ApiError(404, "Not Found")
        _, implementation = known
        return await implementation(bot, typed_fields(params.fields), params)

    # ---- updates from users ---------------------------------------------------------------

    def accept_update(self, bot: BotState, update: dict[str, Any]) -> dict[str, Any]:
        """Complete an update as Telegram would (ids, dates, chat) and learn the chats it names."""
        update_id = update.get("update_id")
        if isinstance(update_id, int):
            bot.last_update_id = max(bot.last_update_id, update_id)
        else:
            bot.last_update_id += 1
            update["update_id"] = bot.last_update_id
        now = int(time.time())
        for key in MESSAGE_UPDATES:
            if isinstance(message := update.get(key), dict):
                self._complete_message(bot, message, now, edited=key.startswith("edited"))
        if isinstance(callback := update.get("callback_query"), dict):
            self._accept_callback(bot, callback, now)
        for key in ("my_chat_member", "chat_member"):
            if isinstance(member := update.get(key), dict):
                member.setdefault("date", now)
                self._remember_chat(bot, member.get("chat"))
                if key == "my_chat_member":
                    self._track_block(bot, member)
        return update

    def enqueue(self, bot: BotState, update: dict[str, Any]) -> None:
        bot.pending.append(update)
        bot.update_arrived.set()

    def _complete_message(self, bot: BotState, message: dict[str, Any], now: int, *, edited: bool) -> None:
        message.setdefault("date", now)
        if edited:
            message.setdefault("edit_date", now)
        sender = message.get("from")
        if "chat" not in message and isinstance(sender, dict) and isinstance(sender.get("id"), int):
            message["chat"] = {"type": "private", **_profile(sender)}
        chat = message.get("chat")
        if not isinstance(chat, dict) or not isinstance(chat.get("id"), int):
            return
        self._remember_chat(bot, chat)
        message_id = message.get("message_id")
        if isinstance(message_id, int):
            bot.last_message_id[chat["id"]] = max(bot.last_message_id[chat["id"]], message_id)
        else:
            message["message_id"] = bot.next_message_id(chat["id"])

    def _accept_callback(self, bot: BotState, callback: dict[str, Any], now: int) -> None:
        callback.setdefault("id", str(secrets.randbelow(10**18) + 10**18))
        callback.setdefault("chat_instance", str(secrets.randbelow(10**18)))
        bot.callbacks[str(callback["id"])] = None
        while len(bot.callbacks) > MAX_KEPT_CALLBACKS:
            bot.callbacks.popitem(last=False)
        if isinstance(message := callback.get("message"), dict):
            self._complete_message(bot, message, now, edited=False)
        elif isinstance(sender := callback.get("from"), dict):
            self._remember_chat(bot, {"type": "private", **_profile(sender)})

    @staticmethod
    def _remember_chat(bot: BotState, chat: object) -> None:
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            bot.chats[chat["id"]] = {"type": "private", **chat}

    @staticmethod
    def _track_block(bot: BotState, member: dict[str, Any]) -> None:
        chat, new = member.get("chat"), member.get("new_chat_member")
        if not isinstance(chat, dict) or not isinstance(new, dict):
            return
        if new.get("status") == "kicked":
            bot.blocked.add(chat["id"])
        elif new.get("status") == "member":
            bot.blocked.discard(chat["id"])

    # ---- methods -------------------------------------------------------------------------

    async def _get_me(self, bot: BotState, fields: dict[str, Any], params: RequestParams) -> Any:
        return bot.user

    async def _set_webhook(self, bot: BotState, fields: dict[str, Any], params: RequestParams) -> Any:
        url = str(fields.get("url") or "")
        if url and not url.startswith(("https://", "http://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = fields.get("secret_token")
        if secret is not None and not SECRET_TOKEN_PATTERN.fullmatch(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        if fields.get("drop_pending_updates"):
            bot.pending.clear()
        allowed = fields.get("allowed_updates")
        bot.webhook = (
            Webhook(url, secret, list(allowed) if isinstance(allowed, list) else None) if url else None
        )
        if url:
            self.webhook_arrivals.announce()
        return True

    async def _delete_webhook(self, bot: BotState, fields: dict[str, Any], params: RequestParams) -> Any:
        bot.webhook = None
        if fields.get("drop_pending_updates"):
            bot.pending.clear()
        return True

    async def _get_webhook_info(self, bot: BotState, fields: dict[str, Any], params: RequestParams) -> Any:
        info: dict[str, Any] = {
            "url": bot.webhook.url if bot.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(bot.pending),
        }
        if bot.webhook:
            info["max_connections"] = 40
            if bot.webhook.allowed_updates:
                info["allowed_updates"] = bot.webhook.allowed_updates
            if bot.webhook.last_error_date:
                info["last_error_date"] = bot.webhook.last_error_date
                info["last_error_message"] = bot.webhook.last_error_message
        return info

    async def _get_updates(self, bot: BotState, fields: dict[str, Any], params: RequestParams) -> Any:
        if bot.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = fields.get("offset")
        if isinstance(offset, int) and offset > 0:
            while bot.pending and bot.pending[0]["update_id"] < offset:
                bot.pending.popleft()
        limit = fields.get("limit")
        limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
        timeout = fields.get("timeout")
        if not bot.pending and isinstance(timeout, int) and timeout > 0:
            bot.update_arrived.clear()
            try:
                await asyncio.wait_for(bot.update_arrived.wait(), min(timeout, MAX_POLL_TIMEOUT))
            except TimeoutError:
                return []
        return list(bot.pending)[:limit]

    async def _send_message(self, bot: BotState, fields: dict[str, Any], params: RequestParams) -> Any:
        chat = self._target_chat(bot, fields)
        text = _checked_text(fields.get("text"))
        markup = _checked_markup(fields.get("reply_markup"))
        self._flood_check(bot, chat["id"])
        return self._new_message(bot, chat, {"text": text}, markup)

    def _media_sender(self, kind: str) -> Method:
        async def send(bot: BotState, fields: dict[str, Any], params: RequestParams) -> Any:
            return await self._send_media(kind, bot, fields, params)

        return send

    async def _send_media(
        self, kind: str, bot: BotState, fields: dict[str, Any], params: RequestParams
    ) -> Any:
        chat = self._target_chat(bot, fields)
        stored = self._media_file(kind, fields, params)
        content: dict[str, Any] = {kind: _media_object(kind, stored, fields)}
        caption = fields.get("caption")
        if caption:
            if len(str(caption).strip()) > MAX_CAPTION_LENGTH:
                raise bad_request("message caption is too long")
            content["caption"] = str(caption)
        markup = _checked_markup(fields.get("reply_markup"))
        self._flood_check(bot, chat["id"])
        return self._new_message(bot, chat, content, markup)

    async def _answer_callback_query(
        self, bot: BotState, fields: dict[str, Any], params: RequestParams
    ) -> Any:
        query_id = str(fields.get("callback_query_id") or "")
        if query_id not in bot.callbacks:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        del bot.callbacks[query_id]
        return True

    async def _edit_message_text(self, bot: BotState, fields: dict[str, Any], params: RequestParams) -> Any:
        message = self._own_message(bot, fields)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text = _checked_text(fields.get("text"))
        markup = _checked_markup(fields.get("reply_markup"))
        inline = markup if markup and "inline_keyboard" in markup else None
        if message["text"] == text and message.get("reply_markup") == inline:
            raise bad_request(NOT_MODIFIED)
        return self._edited(message, {"text": text}, inline)

    async def _edit_message_reply_markup(
        self, bot: BotState, fields: dict[str, Any], params: RequestParams
    ) -> Any:
        message = self._own_message(bot, fields)
        markup = _checked_markup(fields.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        if message.get("reply_markup") == markup:
            raise bad_request(NOT_MODIFIED)
        return self._edited(message, {}, markup)

    async def _get_file(self, bot: BotState, fields: dict[str, Any], params: RequestParams) -> Any:
        stored = self.files.by_id(str(fields.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        answer: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.data is not None:
            answer["file_size"] = stored.size
            answer["file_path"] = stored.file_path
        return answer

    # ---- helpers -------------------------------------------------------------------------

    def _target_chat(self, bot: BotState, fields: dict[str, Any]) -> dict[str, Any]:
        chat_id = fields.get("chat_id")
        if chat_id in (None, ""):
            raise bad_request("chat_id is empty")
        chat = bot.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        if chat["id"] in bot.blocked:
            raise ApiError(403, BLOCKED)
        return chat

    def _own_message(self, bot: BotState, fields: dict[str, Any]) -> dict[str, Any]:
        if fields.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._target_chat(bot, fields)
        message_id = fields.get("message_id")
        if not isinstance(message_id, int):
            raise bad_request("message identifier is not specified")
        message = bot.messages.get((chat["id"], message_id))
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != bot.bot_id:
            raise bad_request("message can't be edited")
        return message

    def _flood_check(self, bot: BotState, chat_id: int) -> None:
        """Telegram's flood control: too many messages to one chat, or through the bot as a whole,
        within a second are refused with 429 and ``retry_after``."""
        now = time.monotonic()
        window = bot.recent_sends[chat_id]
        for sends in (window, bot.bot_sends):
            while sends and sends[0] <= now - 1.0:
                sends.popleft()
        for sends, limit in (
            (window, FLOOD_MESSAGES_PER_SECOND),
            (bot.bot_sends, self.bot_messages_per_second),
        ):
            if len(sends) >= limit:
                retry_after = max(1, math.ceil(1.0 - (now - sends[0])))
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)
        window.append(now)
        bot.bot_sends.append(now)

    @staticmethod
    def _new_message(
        bot: BotState, chat: dict[str, Any], content: dict[str, Any], markup: dict[str, Any] | None
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": bot.next_message_id(chat["id"]),
            "from": bot.user,
            "chat": chat,
            "date": int(time.time()),
            **content,
        }
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        bot.keep_message(message)
        return message

    @staticmethod
    def _edited(
        message: dict[str, Any], content: dict[str, Any], inline: dict[str, Any] | None
    ) -> dict[str, Any]:
        message.update(content)
        message["edit_date"] = int(time.time())
        if inline is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = inline
        return dict(message)

    def _media_file(self, kind: str, fields: dict[str, Any], params: RequestParams) -> StoredFile:
        upload: Upload | None = params.files.get(kind)
        value = fields.get(kind)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = params.files.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"there is no {kind} in the request")
        if upload is not None:
            if not upload.data:
                raise bad_request("file must be non-empty")
            return self.files.add(
                folder=f"{kind}s", data=upload.data, file_name=upload.file_name, mime_type=upload.content_type
            )
        if not isinstance(value, str) or not value:
            raise bad_request(f"there is no {kind} in the request")
        if value.startswith(("http://", "https://")):
            file_name = value.rsplit("/", 1)[-1].split("?", 1)[0] or None
            return self.files.add(folder=f"{kind}s", data=None, file_name=file_name, url=value)
        stored = self.files.by_id(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored


def _profile(user: dict[str, Any]) -> dict[str, Any]:
    return {key: user[key] for key in ("id", "first_name", "last_name", "username") if key in user}


def _checked_text(value: object) -> str:
    text = "" if value is None else str(value)
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text.strip()) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return text


def _checked_markup(value: object) -> dict[str, Any] | None:
    if value is None or value == "":
        return None
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        for button in _buttons(value["inline_keyboard"], "inline keyboard"):
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
            if data is None and not any(key in button for key in ("url", "web_app", "switch_inline_query")):
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
    elif "keyboard" in value:
        _buttons(value["keyboard"], "keyboard")
    elif not value.get("remove_keyboard") and not value.get("force_reply"):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return value


def _buttons(rows: object, what: str) -> list[dict[str, Any]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'can\'t parse {what}: field "{what}" must be an Array of Arrays')
    buttons = [button for row in rows for button in row]
    for button in buttons:
        if not isinstance(button, dict) or not str(button.get("text") or "").strip():
            raise bad_request(f"can't parse {what} button: text is empty")
    return buttons


def _media_object(kind: str, stored: StoredFile, fields: dict[str, Any]) -> Any:
    base: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    if stored.size is not None:
        base["file_size"] = stored.size
    if kind == "photo":
        return [{**base, "width": 1280, "height": 960}]
    if stored.mime_type:
        base["mime_type"] = stored.mime_type
    if kind in ("audio", "voice"):
        duration = fields.get("duration")
        base["duration"] = duration if isinstance(duration, int) else 0
    if kind in ("audio", "document") and stored.file_name:
        base["file_name"] = stored.file_name
    return base
