"""The WhatsApp Cloud API as the fake keeps it: business numbers, users and their windows, messages, media.

Everything here is synchronous bookkeeping and validation; HTTP is in :mod:`bots.demo.whatsapp`.
Errors carry the Graph API's real codes, answered in Graph's envelope:

- 190 (401) a missing or wrong access token; 100 an invalid parameter or unknown object;
- 131009 a parameter value outside the platform's limits (too many buttons, too long titles...);
- 131026 a recipient who never wrote to the business (undeliverable);
- 131047 free text or interactive messages more than 24 hours after the user's last message;
- 130429 more than ``throughput_per_second`` messages a second from one number;
- 131056 more than ``pair_limit`` messages to one user within ``pair_window`` seconds;
- 132001 a template that is not approved.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bots.demo.bodies import Upload

WINDOW_SECONDS = 24 * 3600
WABA_ID = "102290129340398"
THROUGHPUT_PER_SECOND = 80
PAIR_LIMIT = 45
PAIR_WINDOW_SECONDS = 6.0
DEFAULT_APPROVED_TEMPLATES = ("omnicab_*", "legal_*")
MEDIA_TYPES = ("audio", "document", "image", "video", "sticker")
TEXT_LENGTH = 4096
BUTTON_BODY_LENGTH = 1024
CAPTION_LENGTH = 1024
MAX_REPLY_BUTTONS = 3
BUTTON_TITLE_LENGTH = 20
BUTTON_ID_LENGTH = 256
LIST_LABEL_LENGTH = 20
MAX_SECTIONS = 10
MAX_LIST_ROWS = 10
ROW_TITLE_LENGTH = 24
ROW_ID_LENGTH = 200
ROW_DESCRIPTION_LENGTH = 72
SECTION_TITLE_LENGTH = 24


class GraphError(Exception):
    def __init__(
        self,
        code: int,
        message: str,
        *,
        http_status: int = 400,
        error_type: str = "OAuthException",
        subcode: int | None = None,
        details: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.error_type = error_type
        self.subcode = subcode
        self.details = details

    def envelope(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": self.message,
            "type": self.error_type,
            "code": self.code,
            "fbtrace_id": f"A{secrets.token_urlsafe(16)}",
        }
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.details is not None:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        return {"error": error}


def invalid_value(details: str) -> GraphError:
    return GraphError(131009, "(#131009) Parameter value is not valid", details=details)


def invalid_parameter(details: str) -> GraphError:
    return GraphError(100, "(#100) Invalid parameter", details=details)


@dataclass
class Webhook:
    url: str
    app_secret: str
    verify_token: str


@dataclass
class Account:
    """One business phone number: its access token, webhook and send history for rate limits."""

    phone_id: str
    token: str
    webhook: Webhook | None = None
    recent_sends: deque[float] = field(default_factory=deque)

    @property
    def display_phone_number(self) -> str:
        return f"1555{self.phone_id[-7:]:0>7}"


@dataclass
class WaUser:
    wa_id: str
    user_id: str | None = None
    last_inbound: float | None = None
    recent_sends: deque[float] = field(default_factory=deque)


@dataclass(frozen=True)
class StoredMedia:
    media_id: str
    data: bytes = field(repr=False)
    mime_type: str
    file_name: str | None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class SentMessage:
    wamid: str
    phone_id: str
    wa_id: str
    user_id: str | None


class CloudApi:
    def __init__(
        self,
        *,
        throughput_per_second: int = THROUGHPUT_PER_SECOND,
        pair_limit: int = PAIR_LIMIT,
        pair_window: float = PAIR_WINDOW_SECONDS,
        approved_templates: Iterable[str] = DEFAULT_APPROVED_TEMPLATES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.accounts: dict[str, Account] = {}
        self.users: dict[str, WaUser] = {}
        self.approved_templates: set[str] = set(approved_templates)
        self.media: dict[str, StoredMedia] = {}
        self.inbound_ids: set[str] = set()
        self._throughput = throughput_per_second
        self._pair_limit = pair_limit
        self._pair_window = pair_window
        self._clock = clock
        self._numbers = itertools.count(1)

    # ---- accounts and auth ---------------------------------------------------------------

    def provision(self, phone_id: str, token: str) -> Account:
        account = self.accounts.get(phone_id)
        if account is None or account.token != token:
            account = Account(phone_id, token, webhook=account.webhook if account else None)
            self.accounts[phone_id] = account
        return account

    def authorize(self, authorization: str | None, phone_id: str | None = None) -> Account:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise GraphError(190, "Invalid OAuth access token - Cannot parse access token", http_status=401)
        owners = [account for account in self.accounts.values() if account.token == token]
        if not owners:
            raise GraphError(190, "Invalid OAuth access token - Cannot parse access token", http_status=401)
        if phone_id is None:
            return owners[0]
        account = self.accounts.get(phone_id)
        if account is None:
            raise GraphError(
                100,
                f"Unsupported post request. Object with ID '{phone_id}' does not exist",
                subcode=33,
                error_type="GraphMethodException",
            )
        if account.token != token:
            raise GraphError(200, "(#200) You do not have permission to access this phone number")
        return account

    def with_webhook(self) -> list[Account]:
        return [account for account in self.accounts.values() if account.webhook is not None]

    # ---- users and the window --------------------------------------------------------------

    def user_wrote(self, wa_id: str, user_id: str | None = None) -> WaUser:
        user = self.users.get(wa_id) or (self.users.get(user_id) if user_id else None)
        if user is None:
            user = WaUser(wa_id=wa_id)
        if user_id:
            user.user_id = user_id
            self.users[user_id] = user
        self.users[wa_id] = user
        user.last_inbound = self._clock()
        return user

    def close_window(self, user_key: str) -> bool:
        user = self.users.get(user_key) or self.users.get(_digits(user_key))
        if user is None:
            return False
        user.last_inbound = None
        return True

    def accept_notification(self, account: Account, notification: dict[str, Any]) -> list[str]:
        """Fill what the platform fills (ids, timestamps, metadata) and open the senders' windows.

        Returns the ids of the user messages in the notification.
        """
        notification.setdefault("object", "whatsapp_business_account")
        entries = notification.get("entry")
        if not isinstance(entries, list) or not entries:
            raise invalid_parameter("a webhook notification has a non-empty entry list")
        message_ids: list[str] = []
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("changes"), list):
                raise invalid_parameter("each entry has a list of changes")
            entry.setdefault("id", WABA_ID)
            for change in entry["changes"]:
                if not isinstance(change, dict) or not isinstance(change.get("value", {}), dict):
                    raise invalid_parameter("each change has a value object")
                change.setdefault("field", "messages")
                value = change.setdefault("value", {})
                value.setdefault("messaging_product", "whatsapp")
                # Meta names the receiving number, whatever an earlier notification named.
                metadata = value.setdefault("metadata", {})
                metadata["display_phone_number"] = account.display_phone_number
                metadata["phone_number_id"] = account.phone_id
                message_ids.extend(self._accept_messages(value))
        return message_ids

    def _accept_messages(self, value: dict[str, Any]) -> list[str]:
        messages = value.get("messages", [])
        if not isinstance(messages, list):
            raise invalid_parameter("value.messages is a list")
        contacts = [c for c in value.get("contacts", []) if isinstance(c, dict)]
        ids: list[str] = []
        for message in messages:
            if not isinstance(message, dict):
                raise invalid_parameter("each message is an object")
            message.setdefault("id", self.new_wamid())
            message.setdefault("timestamp", str(int(self._clock())))
            sender = message.get("from")
            user_id = message.get("from_user_id") or next(
                (c.get("user_id") for c in contacts if c.get("wa_id") == sender and c.get("user_id")), None
            )
            if isinstance(sender, str) and sender:
                self.user_wrote(_digits(sender), user_id)
            elif isinstance(user_id, str) and user_id in self.users:
                self.user_wrote(self.users[user_id].wa_id, user_id)
            self.inbound_ids.add(message["id"])
            ids.append(message["id"])
        return ids

    def new_wamid(self) -> str:
        return f"wamid.HBgL{secrets.token_hex(12).upper()}{next(self._numbers):06d}"

    # ---- sending ---------------------------------------------------------------------------

    def send(self, account: Account, body: Any) -> tuple[dict[str, Any], SentMessage | None]:
        """The answer to ``POST /{phone_id}/messages``, and the message sent (None for a read receipt)."""
        if not isinstance(body, dict):
            raise invalid_parameter("the request body must be a JSON object")
        if body.get("messaging_product") != "whatsapp":
            raise invalid_parameter("messaging_product is required and must be whatsapp")
        if body.get("status") == "read":
            return self._mark_read(body), None
        kind = body.get("type", "text")
        content = body.get(kind)
        if not isinstance(content, dict):
            raise invalid_parameter(f"the {kind} object is required")
        self._check_content(str(kind), content)
        user, given = self._recipient(body)
        if kind != "template" and not self._window_open(user):
            raise GraphError(
                131047,
                "Re-engagement message",
                details="Message failed to send because more than 24 hours have passed since the "
                "customer last replied to this number.",
            )
        self._rate_check(account, user)
        sent = SentMessage(self.new_wamid(), account.phone_id, user.wa_id, user.user_id)
        contact: dict[str, Any] = {"input": given, "wa_id": user.wa_id}
        if user.user_id and given == user.user_id:
            contact["user_id"] = user.user_id
        message: dict[str, Any] = {"id": sent.wamid}
        if kind == "template":
            message["message_status"] = "accepted"
        return {"messaging_product": "whatsapp", "contacts": [contact], "messages": [message]}, sent

    def _mark_read(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("message_id") not in self.inbound_ids:
            raise invalid_parameter("message_id is not a message this number received")
        return {"success": True}

    def _recipient(self, body: dict[str, Any]) -> tuple[WaUser, str]:
        given = body.get("to") or body.get("recipient")
        if not isinstance(given, str) or not given:
            raise invalid_parameter("to or recipient is required")
        user = self.users.get(_digits(given) if body.get("to") else given)
        if user is None:
            raise GraphError(
                131026,
                "Message Undeliverable.",
                details="The recipient has never written to this business number.",
            )
        return user, given

    def _window_open(self, user: WaUser) -> bool:
        return user.last_inbound is not None and self._clock() - user.last_inbound < WINDOW_SECONDS

    def _rate_check(self, account: Account, user: WaUser) -> None:
        now = time.monotonic()
        _forget_before(account.recent_sends, now - 1.0)
        if len(account.recent_sends) >= self._throughput:
            raise GraphError(
                130429, "(#130429) Rate limit hit", details="Cloud API message throughput reached."
            )
        _forget_before(user.recent_sends, now - self._pair_window)
        if len(user.recent_sends) >= self._pair_limit:
            raise GraphError(
                131056,
                "(Business Account, Consumer Account) pair rate limit hit",
                details="Too many messages from this phone number to the same recipient in a short time.",
            )
        account.recent_sends.append(now)
        user.recent_sends.append(now)

    def _check_content(self, kind: str, content: dict[str, Any]) -> None:
        if kind == "text":
            _check_text(content.get("body"), TEXT_LENGTH, "text.body")
        elif kind == "interactive":
            _check_interactive(content)
        elif kind in MEDIA_TYPES:
            self._check_media(kind, content)
        elif kind == "template":
            self._check_template(content)
        else:
            raise invalid_parameter(f"message type {kind} is not supported by this fake")

    def _check_media(self, kind: str, content: dict[str, Any]) -> None:
        media_id, link = content.get("id"), content.get("link")
        if bool(media_id) == bool(link):
            raise invalid_parameter(f"{kind} needs exactly one of id and link")
        if media_id and media_id not in self.media:
            raise invalid_parameter(f"{kind}.id is not an uploaded media id")
        if link and not str(link).startswith(("https://", "http://")):
            raise invalid_parameter(f"{kind}.link must be an http(s) URL")
        caption = content.get("caption")
        if caption is not None and kind in ("audio", "sticker"):
            raise invalid_parameter(f"{kind} messages have no caption")
        if caption is not None and len(str(caption)) > CAPTION_LENGTH:
            raise invalid_value(f"{kind}.caption is longer than {CAPTION_LENGTH} characters")

    def _check_template(self, content: dict[str, Any]) -> None:
        name = content.get("name")
        language = content.get("language")
        if not isinstance(name, str) or not isinstance(language, dict) or not language.get("code"):
            raise invalid_parameter("template.name and template.language.code are required")
        if not self.template_approved(name):
            raise GraphError(
                132001,
                "Template name does not exist in the translation",
                details=f"template name ({name}) does not exist in {language['code']}",
            )

    def template_approved(self, name: str) -> bool:
        return any(
            name.startswith(entry[:-1]) if entry.endswith("*") else name == entry
            for entry in self.approved_templates
        )

    # ---- media -----------------------------------------------------------------------------

    def store_media(self, upload: Upload, mime_type: str | None) -> StoredMedia:
        if not upload.data:
            raise invalid_parameter("the file is empty")
        media_id = f"{1_000_000_000_000_000 + next(self._numbers) * 7919 + secrets.randbelow(7919)}"
        stored = StoredMedia(
            media_id=media_id,
            data=upload.data,
            mime_type=mime_type or upload.content_type or "application/octet-stream",
            file_name=upload.file_name,
        )
        self.media[media_id] = stored
        return stored

    def media_info(self, media_id: str, download_url: str) -> dict[str, Any]:
        stored = self.media.get(media_id)
        if stored is None:
            raise GraphError(
                100,
                f"Unsupported get request. Object with ID '{media_id}' does not exist",
                subcode=33,
                error_type="GraphMethodException",
            )
        return {
            "messaging_product": "whatsapp",
            "url": download_url,
            "mime_type": stored.mime_type,
            "sha256": stored.sha256,
            "file_size": len(stored.data),
            "id": stored.media_id,
        }


def _check_text(value: object, limit: int, where: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise invalid_parameter(f"{where} is required")
    if len(value) > limit:
        raise invalid_value(f"{where} is longer than {limit} characters")


def _check_interactive(content: dict[str, Any]) -> None:
    kind = content.get("type")
    action = content.get("action")
    body = content.get("body")
    if not isinstance(action, dict) or not isinstance(body, dict):
        raise invalid_parameter("interactive.action and interactive.body are required")
    if kind == "button":
        _check_text(body.get("text"), BUTTON_BODY_LENGTH, "interactive.body.text")
        _check_reply_buttons(action.get("buttons"))
    elif kind == "list":
        _check_text(body.get("text"), TEXT_LENGTH, "interactive.body.text")
        _check_list(action)
    else:
        raise invalid_parameter(f"interactive type {kind} is not supported by this fake")


def _check_reply_buttons(buttons: object) -> None:
    if not isinstance(buttons, list) or not buttons:
        raise invalid_parameter("interactive.action.buttons is required")
    if len(buttons) > MAX_REPLY_BUTTONS:
        raise invalid_value(f"interactive.action.buttons has more than {MAX_REPLY_BUTTONS} buttons")
    replies = [button.get("reply") if isinstance(button, dict) else None for button in buttons]
    for reply in replies:
        if not isinstance(reply, dict):
            raise invalid_parameter("each button is {type: reply, reply: {id, title}}")
        _check_text(reply.get("title"), BUTTON_TITLE_LENGTH, "button title")
        _check_text(reply.get("id"), BUTTON_ID_LENGTH, "button id")
    _check_unique([reply["id"] for reply in replies if isinstance(reply, dict)], "button ids")
    _check_unique([reply["title"] for reply in replies if isinstance(reply, dict)], "button titles")


def _check_list(action: dict[str, Any]) -> None:
    _check_text(action.get("button"), LIST_LABEL_LENGTH, "interactive.action.button")
    sections = action.get("sections")
    if not isinstance(sections, list) or not sections:
        raise invalid_parameter("interactive.action.sections is required")
    if len(sections) > MAX_SECTIONS:
        raise invalid_value(f"a list has at most {MAX_SECTIONS} sections")
    rows: list[dict[str, Any]] = []
    for section in sections:
        if not isinstance(section, dict) or not isinstance(section.get("rows"), list) or not section["rows"]:
            raise invalid_parameter("each section has rows")
        title = section.get("title")
        if title is not None or len(sections) > 1:
            _check_text(title, SECTION_TITLE_LENGTH, "section title")
        rows.extend(section["rows"])
    if len(rows) > MAX_LIST_ROWS:
        raise invalid_value(f"a list has at most {MAX_LIST_ROWS} rows")
    for row in rows:
        if not isinstance(row, dict):
            raise invalid_parameter("each row is {id, title, description?}")
        _check_text(row.get("title"), ROW_TITLE_LENGTH, "row title")
        _check_text(row.get("id"), ROW_ID_LENGTH, "row id")
        description = row.get("description")
        if description is not None and len(str(description)) > ROW_DESCRIPTION_LENGTH:
            raise invalid_value(f"row description is longer than {ROW_DESCRIPTION_LENGTH} characters")
    _check_unique([row["id"] for row in rows], "row ids")


def _check_unique(values: list[Any], what: str) -> None:
    if len(set(values)) != len(values):
        raise invalid_value(f"{what} must be unique")


def _forget_before(times: deque[float], cutoff: float) -> None:
    while times and times[0] <= cutoff:
        times.popleft()


def _digits(value: str) -> str:
    return "".join(char for char in value if char.isdigit())
