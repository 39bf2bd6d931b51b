"""The REST API semantics of the fake Viber: accounts, subscribers, limits and status codes, without HTTP.

Viber answers every call with HTTP 200 and a ``status`` (0 is ok) and ``status_message``; the
limits and codes here are the ones chatapi.viber.com applies, so an adapter tested against the
fake meets no surprise on the real platform.
"""

from __future__ import annotations

import bisect
import enum
import hashlib
import hmac
import itertools
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

TOKEN_PATTERN = re.compile(r"[0-9A-Za-z]{16}-[0-9A-Za-z]{16}-[0-9A-Za-z]{16}")

MAX_TEXT_LENGTH = 7000
MAX_PICTURE_TEXT = 768
MAX_KEYBOARD_BUTTONS = 24
MAX_ACTION_BODY = 4096
MAX_BUTTON_TEXT = 250
MAX_SENDER_NAME = 28
MAX_FILE_NAME = 256
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ONLINE_IDS = 100
SHARE_PHONE_API_VERSION = 3
DEFAULT_RATE_PER_SECOND = 100
DOCUMENTED_RATE = (500, 10.0)
"""Viber's one documented rate: 500 requests in 10 seconds (for broadcasts); the fake holds every send to
it, besides its own ``rate_per_second`` ceiling."""
CHAT_HOSTNAME = "SN-CHAT-01_"

WEBHOOK_EVENT_TYPES = frozenset(
    {"delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"}
)
ALWAYS_DELIVERED = frozenset({"message", "webhook"})
MESSAGE_TYPES = frozenset({"text", "picture", "video", "file", "location", "contact", "sticker", "url"})
ACTION_TYPES = frozenset({"reply", "open-url", "location-picker", "share-phone", "none"})
PICTURE_EXTENSIONS = (".jpeg", ".jpg", ".png", ".gif")
FORBIDDEN_EXTENSIONS = frozenset(
    {".exe", ".bat", ".cmd", ".com", ".msi", ".scr", ".vbs", ".js", ".jar", ".apk", ".dll", ".ps1"}
)


class Status(enum.IntEnum):
    OK = 0
    INVALID_URL = 1
    INVALID_AUTH_TOKEN = 2
    BAD_DATA = 3
    MISSING_DATA = 4
    RECEIVER_NOT_REGISTERED = 5
    NOT_SUBSCRIBED = 6
    PUBLIC_ACCOUNT_BLOCKED = 7
    PUBLIC_ACCOUNT_NOT_FOUND = 8
    PUBLIC_ACCOUNT_SUSPENDED = 9
    WEBHOOK_NOT_SET = 10
    RECEIVER_NO_SUITABLE_DEVICE = 11
    TOO_MANY_REQUESTS = 12
    API_VERSION_NOT_SUPPORTED = 13
    INCOMPATIBLE_WITH_VERSION = 14
    PUBLIC_ACCOUNT_NOT_AUTHORIZED = 15


STATUS_MESSAGES: Mapping[int, str] = {
    Status.OK: "ok",
    Status.INVALID_URL: "invalidUrl",
    Status.INVALID_AUTH_TOKEN: "invalidAuthToken",
    Status.BAD_DATA: "badData",
    Status.MISSING_DATA: "missingData",
    Status.RECEIVER_NOT_REGISTERED: "receiverNotRegistered",
    Status.NOT_SUBSCRIBED: "notSubscribed",
    Status.PUBLIC_ACCOUNT_BLOCKED: "publicAccountBlocked",
    Status.PUBLIC_ACCOUNT_NOT_FOUND: "publicAccountNotFound",
    Status.PUBLIC_ACCOUNT_SUSPENDED: "publicAccountSuspended",
    Status.WEBHOOK_NOT_SET: "webhookNotSet",
    Status.RECEIVER_NO_SUITABLE_DEVICE: "receiverNoSuitableDevice",
    Status.TOO_MANY_REQUESTS: "tooManyRequests",
    Status.API_VERSION_NOT_SUPPORTED: "apiVersionNotSupported",
    Status.INCOMPATIBLE_WITH_VERSION: "incompatibleWithVersion",
    Status.PUBLIC_ACCOUNT_NOT_AUTHORIZED: "publicAccountNotAuthorized",
}


def status_message(status: int) -> str:
    return STATUS_MESSAGES.get(status, "generalError")


class ApiError(Exception):
    """A refusal in Viber's envelope: ``{"status": N, "status_message": "..."}`` with HTTP 200."""

    def __init__(self, status: int, detail: str | None = None) -> None:
        self.status = status
        name = status_message(status)
        self.status_message = f"{name}: {detail}" if detail else name
        super().__init__(self.status_message)

    def envelope(self) -> dict[str, Any]:
        return {"status": self.status, "status_message": self.status_message}


def bad_data(detail: str) -> ApiError:
    return ApiError(Status.BAD_DATA, detail)


def missing_data(detail: str) -> ApiError:
    return ApiError(Status.MISSING_DATA, detail)


def demo_auth_token(bot: str) -> str:
    """A token of Viber's shape for a demo bot, accepted by the fake."""
    digest = hashlib.sha256(f"viber-demo:{bot}".encode()).hexdigest()
    return f"{digest[:16]}-{digest[16:32]}-{digest[32:48]}"


def sign(auth_token: str, raw_body: bytes) -> str:
    """``X-Viber-Content-Signature``: hex HMAC-SHA256 of the raw body keyed with the auth token."""
    return hmac.new(auth_token.encode(), raw_body, hashlib.sha256).hexdigest()


@dataclass
class Account:
    token: str
    account_id: str
    webhook: str | None = None
    event_types: frozenset[str] = WEBHOOK_EVENT_TYPES
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscribers: set[str] = field(default_factory=set)
    recent_sends: deque[float] = field(default_factory=deque)

    def info(self) -> dict[str, Any]:
        return {
            "status": Status.OK,
            "status_message": "ok",
            "id": self.account_id,
            "name": "Omnicab Demo",
            "uri": f"omnicab{self.account_id[3:11]}",
            "icon": None,
            "background": None,
            "category": "Professional Services",
            "subcategory": "Legal",
            "location": {"lon": 37.6173, "lat": 55.7558},
            "country": "RU",
            "webhook": self.webhook or "",
            "event_types": sorted(self.event_types) if self.webhook else [],
            "subscribers_count": len(self.subscribers),
            "members": [],
        }

    def delivers(self, event: str) -> bool:
        return event in ALWAYS_DELIVERED or event in self.event_types


class ViberApi:
    """All accounts of the fake, keyed by auth token."""

    def __init__(
        self, *, rate_per_second: int = DEFAULT_RATE_PER_SECOND, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._accounts: dict[str, Account] = {}
        # Seeded from the clock, so tokens keep increasing across restarts of the demo, unique as
        # Viber's are: a restarted counter would repeat tokens the bots have stored and de-duplicate.
        self._message_tokens = itertools.count(time.time_ns())
        self._rate_per_second = rate_per_second
        self._clock = clock

    def account(self, token: str | None) -> Account:
        if not token or not TOKEN_PATTERN.fullmatch(token):
            raise ApiError(Status.INVALID_AUTH_TOKEN)
        account = self._accounts.get(token)
        if account is None:
            number = int(hashlib.sha256(token.encode()).hexdigest()[:15], 16)
            account = self._accounts[token] = Account(token=token, account_id=f"pa:{number}")
        return account

    def accounts_with_webhook(self) -> list[Account]:
        return [account for account in self._accounts.values() if account.webhook]

    def next_message_token(self) -> int:
        return next(self._message_tokens)

    # ---- the endpoints ------------------------------------------------------------------------

    def webhook_request(self, body: Mapping[str, Any]) -> tuple[str, frozenset[str]]:
        """The URL and event types of a ``set_webhook`` call; an empty URL removes the webhook."""
        url = body.get("url")
        if not isinstance(url, str):
            raise missing_data("url")
        if url and urlsplit(url).scheme not in ("http", "https"):
            raise ApiError(Status.INVALID_URL)
        requested = body.get("event_types")
        if requested is None:
            return url, WEBHOOK_EVENT_TYPES
        if not isinstance(requested, list) or not all(isinstance(kind, str) for kind in requested):
            raise bad_data("event_types must be an array of strings")
        unknown = set(requested) - WEBHOOK_EVENT_TYPES - ALWAYS_DELIVERED
        if unknown:
            raise bad_data(f"unknown event types {sorted(unknown)}")
        return url, frozenset(requested) & WEBHOOK_EVENT_TYPES

    @staticmethod
    def set_webhook(account: Account, url: str, event_types: frozenset[str]) -> dict[str, Any]:
        account.webhook = url or None
        account.event_types = event_types
        return {
            "status": Status.OK,
            "status_message": "ok",
            "chat_hostname": CHAT_HOSTNAME,
            "event_types": sorted(event_types) if url else [],
        }

    def send_message(self, account: Account, body: Mapping[str, Any]) -> dict[str, Any]:
        receiver = body.get("receiver")
        if not isinstance(receiver, str) or not receiver:
            raise missing_data("receiver")
        check_message(body)
        if account.webhook is None:
            raise ApiError(Status.WEBHOOK_NOT_SET)
        if receiver not in account.subscribers:
            raise ApiError(Status.NOT_SUBSCRIBED)
        self._take_rate(account)
        return {
            "status": Status.OK,
            "status_message": "ok",
            "message_token": self.next_message_token(),
            "chat_hostname": CHAT_HOSTNAME,
            "billing_status": 1,
        }

    @staticmethod
    def get_user_details(account: Account, body: Mapping[str, Any]) -> dict[str, Any]:
        user_id = body.get("id")
        if not isinstance(user_id, str) or not user_id:
            raise missing_data("id")
        profile = account.users.get(user_id)
        if profile is None:
            raise ApiError(Status.RECEIVER_NOT_REGISTERED)
        user = {
            **profile,
            "primary_device_os": "Android 14",
            "viber_version": "24.8.0.0",
            "device_type": "Pixel 8",
            "mcc": 250,
            "mnc": 1,
        }
        user.setdefault("api_version", 10)
        return {"status": Status.OK, "status_message": "ok", "chat_hostname": CHAT_HOSTNAME, "user": user}

    @staticmethod
    def get_online(account: Account, body: Mapping[str, Any]) -> dict[str, Any]:
        ids = body.get("ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(user_id, str) for user_id in ids):
            raise missing_data("ids")
        if len(ids) > MAX_ONLINE_IDS:
            raise bad_data(f"at most {MAX_ONLINE_IDS} ids")
        users = [
            {"id": user_id, "online_status": 0, "online_status_message": "online"}
            if user_id in account.subscribers
            else {"id": user_id, "online_status": 3, "online_status_message": "undisclosed"}
            for user_id in ids
        ]
        return {"status": Status.OK, "status_message": "ok", "users": users}

    def _take_rate(self, account: Account) -> None:
        """Status 12 for a send beyond ``rate_per_second`` in any second, or beyond Viber's documented
        500 in any ten seconds."""
        now = self._clock()
        sends = account.recent_sends
        most, window = DOCUMENTED_RATE
        while sends and now - sends[0] >= window:
            sends.popleft()
        in_last_second = len(sends) - bisect.bisect_right(sends, now - 1.0)
        if in_last_second >= self._rate_per_second or len(sends) >= most:
            raise ApiError(Status.TOO_MANY_REQUESTS)
        sends.append(now)

    # ---- callbacks from users -----------------------------------------------------------------

    def accept_callback(self, account: Account, callback: dict[str, Any]) -> dict[str, Any]:
        """The callback completed as Viber sends it; the sender's subscription follows the event.

        A ``conversation_started`` does not subscribe; a message does, as on Viber, without a
        ``subscribed`` callback; ``unsubscribed`` ends it until the user subscribes again.
        """
        event = callback.get("event")
        if not isinstance(event, str) or not event:
            raise ValueError("a callback needs an event")
        completed = dict(callback)
        completed.setdefault("timestamp", int(time.time() * 1000))
        completed.setdefault("chat_hostname", CHAT_HOSTNAME)
        if event != "webhook" or "message_token" not in completed:
            completed.setdefault("message_token", self.next_message_token())
        profile = completed.get("sender") if event == "message" else completed.get("user")
        if isinstance(profile, dict) and isinstance(profile.get("id"), str):
            account.users[profile["id"]] = dict(profile)
        user_id = profile.get("id") if isinstance(profile, dict) else completed.get("user_id")
        if not isinstance(user_id, str):
            return completed
        if event in ("message", "subscribed"):
            account.subscribers.add(user_id)
        elif event == "unsubscribed":
            account.subscribers.discard(user_id)
        elif event == "conversation_started":
            completed.setdefault("subscribed", user_id in account.subscribers)
        return completed


# ---- message validation ------------------------------------------------------------------------


def check_message(body: Mapping[str, Any], *, welcome: bool = False) -> None:
    """Refuse what Viber refuses: unknown types, missing fields, texts and keyboards beyond limits."""
    sender = body.get("sender")
    if not isinstance(sender, dict) or not isinstance(sender.get("name"), str) or not sender["name"]:
        raise missing_data("sender.name")
    if len(sender["name"]) > MAX_SENDER_NAME:
        raise bad_data(f"sender.name is longer than {MAX_SENDER_NAME} characters")
    kind = body.get("type")
    if not isinstance(kind, str):
        raise missing_data("type")
    if kind not in MESSAGE_TYPES or (welcome and kind not in ("text", "picture", "url", "file", "video")):
        raise bad_data(f"unsupported message type {kind!r}")
    min_api_version = body.get("min_api_version", 1)
    if not isinstance(min_api_version, int) or isinstance(min_api_version, bool) or min_api_version < 1:
        raise bad_data("min_api_version must be a positive integer")
    _CHECKS.get(kind, _no_check)(body)
    keyboard = body.get("keyboard")
    if keyboard is not None:
        _check_keyboard(keyboard, min_api_version)


def _no_check(body: Mapping[str, Any]) -> None:
    return None


def _check_text(body: Mapping[str, Any]) -> None:
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise missing_data("text")
    if len(text) > MAX_TEXT_LENGTH:
        raise bad_data(f"text is longer than {MAX_TEXT_LENGTH} characters")


def _check_picture(body: Mapping[str, Any]) -> None:
    media = _media(body)
    if not urlsplit(media).path.lower().endswith(PICTURE_EXTENSIONS):
        raise bad_data("a picture URL ends with .jpeg, .jpg, .png or .gif")
    text = body.get("text", "")
    if not isinstance(text, str):
        raise bad_data("text must be a string")
    if len(text) > MAX_PICTURE_TEXT:
        raise bad_data(f"a picture's text is longer than {MAX_PICTURE_TEXT} characters")


def _check_file(body: Mapping[str, Any]) -> None:
    _media(body)
    size = body.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise missing_data("size")
    if size > MAX_FILE_BYTES:
        raise bad_data("files are at most 50 MB")
    file_name = body.get("file_name")
    if not isinstance(file_name, str) or not file_name:
        raise missing_data("file_name")
    if len(file_name) > MAX_FILE_NAME:
        raise bad_data(f"file_name is longer than {MAX_FILE_NAME} characters")
    extension = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension in FORBIDDEN_EXTENSIONS:
        raise bad_data(f"files of type {extension} are not allowed")


def _check_video(body: Mapping[str, Any]) -> None:
    _media(body)
    size = body.get("size")
    if not isinstance(size, int) or size <= 0:
        raise missing_data("size")


def _check_url(body: Mapping[str, Any]) -> None:
    _media(body)


def _media(body: Mapping[str, Any]) -> str:
    media = body.get("media")
    if not isinstance(media, str) or not media:
        raise missing_data("media")
    if urlsplit(media).scheme not in ("http", "https"):
        raise bad_data("media must be an http(s) URL")
    return media


_CHECKS: Mapping[str, Callable[[Mapping[str, Any]], None]] = {
    "text": _check_text,
    "picture": _check_picture,
    "file": _check_file,
    "video": _check_video,
    "url": _check_url,
}


def _check_keyboard(keyboard: object, min_api_version: int) -> None:
    if not isinstance(keyboard, dict) or keyboard.get("Type") != "keyboard":
        raise bad_data('keyboard is not valid. [Type must be "keyboard"]')
    buttons = keyboard.get("Buttons")
    if not isinstance(buttons, list) or not buttons:
        raise bad_data("keyboard is not valid. [Buttons is required]")
    if len(buttons) > MAX_KEYBOARD_BUTTONS:
        raise bad_data(f"keyboard is not valid. [at most {MAX_KEYBOARD_BUTTONS} buttons]")
    for button in buttons:
        _check_button(button, min_api_version)


def _check_button(button: object, min_api_version: int) -> None:
    if not isinstance(button, dict):
        raise bad_data("keyboard is not valid. [a button is an object]")
    action = button.get("ActionType", "reply")
    allowed = ACTION_TYPES if min_api_version >= SHARE_PHONE_API_VERSION else {"reply", "open-url", ""}
    if action not in allowed:
        raise bad_data(f'keyboard is not valid. [instance value ("{action}") not found in enum]')
    action_body = button.get("ActionBody")
    if not isinstance(action_body, str) or not action_body:
        raise bad_data("keyboard is not valid. [ActionBody is required]")
    if len(action_body) > MAX_ACTION_BODY:
        raise bad_data(f"keyboard is not valid. [ActionBody is longer than {MAX_ACTION_BODY}]")
    text = button.get("Text", "")
    if not isinstance(text, str) or len(text) > MAX_BUTTON_TEXT:
        raise bad_data(f"keyboard is not valid. [Text is longer than {MAX_BUTTON_TEXT}]")
    columns, rows = button.get("Columns", 6), button.get("Rows", 1)
    if not isinstance(columns, int) or not 1 <= columns <= 6:
        raise bad_data("keyboard is not valid. [Columns is 1-6]")
    if not isinstance(rows, int) or not 1 <= rows <= 2:
        raise bad_data("keyboard is not valid. [Rows is 1-2 in a keyboard]")
