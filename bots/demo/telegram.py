"""A fake Telegram Bot API for demo mode and tests, speaking Telegram's formats on both sides.

Mounted under a prefix (``/fake/telegram`` in the app):

- ``POST|GET {prefix}/bot{token}/{method}``: the Bot API methods a bot calls, in Telegram's envelope;
- ``GET {prefix}/bots``: the demo bots a person can write to (name, title);
- ``POST {prefix}/updates[?bot=|?token=]``: an update in webhook format, delivered to the bot's
  webhook with the secret header (or queued for ``getUpdates`` when the named bot has no webhook);
  it waits a few seconds for the bot to register one, as the app may still be starting; with
  several bots and none named it answers 400, naming the choices; a message text over 4,096
  characters, which Telegram never delivers (its apps send several messages), is refused with 400;
- ``GET|DELETE {prefix}/outbox[?bot=]``: every API call the bots made (or one bot's);
- ``POST {prefix}/control``: ``{"fail_next": [{"error_code": 429, "retry_after": 1}, ...]}``; an entry
  may instead carry out the call and answer slowly (``{"delay": 2.5}``, seconds) or close the
  connection without answering (``{"disconnect": true}``), as a platform overloaded or a network
  broken after the request arrived does: the message is taken, the bot cannot know it;
- ``POST {prefix}/files`` uploads a file as a user would; ``GET {prefix}/file/bot{token}/{path}`` serves it;
- ``GET {prefix}/user_file/{file_id}``: a file a bot sent, as the recipient's app downloads it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from bots.demo.bodies import (
    BodyTooLarge,
    MalformedBody,
    RejectedBody,
    RequestParams,
    only_registered,
    read_json,
    read_json_object,
    read_params,
)
from bots.demo.files import FileStore
from bots.demo.outbox import Outbox
from bots.demo.registry import BotChoiceError, DemoBot, DemoBots
from bots.demo.telegram_api import (
    BOT_MESSAGES_PER_SECOND,
    MAX_TEXT_LENGTH,
    ApiError,
    BotState,
    TelegramBotApi,
    Webhook,
    bad_request,
    typed_fields,
)

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_JSON_BYTES = 1024 * 1024
WEBHOOK_TIMEOUT_SECONDS = 30.0
WEBHOOK_WAIT_SECONDS = 5.0
DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True)
class InjectedFailure:
    """An error answer (``error_code``), or a call carried out and then answered late (``delay``) or
    not at all (``disconnect``)."""

    error_code: int | None = None
    retry_after: int | None = None
    method: str | None = None
    description: str | None = None
    delay: float = 0.0
    disconnect: bool = False

    def error(self) -> ApiError:
        if self.error_code is None:
            raise ValueError("this failure carries out the call; it has no error answer")
        if self.error_code == 429:
            retry_after = self.retry_after or 1
            return ApiError(
                429,
                self.description or f"Too Many Requests: retry after {retry_after}",
                retry_after=retry_after,
            )
        description = self.description or DEFAULT_DESCRIPTIONS.get(self.error_code, "Error")
        return ApiError(self.error_code, description, retry_after=self.retry_after)


class FakeTelegram:
    def __init__(
        self,
        *,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
        max_json_bytes: int = MAX_JSON_BYTES,
        webhook_timeout: float = WEBHOOK_TIMEOUT_SECONDS,
        webhook_wait: float = WEBHOOK_WAIT_SECONDS,
        bots: DemoBots | None = None,
        bot_messages_per_second: int = BOT_MESSAGES_PER_SECOND,
    ) -> None:
        self.bots = bots if bots is not None else DemoBots()
        self.files = FileStore()
        self.api = TelegramBotApi(self.files, bot_messages_per_second=bot_messages_per_second)
        self.outbox = Outbox()
        self._max_upload_bytes = max_upload_bytes
        self._max_json_bytes = max_json_bytes
        self._webhook_timeout = webhook_timeout
        self._webhook_wait = webhook_wait
        self._failures: deque[InjectedFailure] = deque()
        self._http: aiohttp.ClientSession | None = None

    def mount(self, app: web.Application, prefix: str = "/fake/telegram") -> None:
        prefix = prefix.rstrip("/")
        app.router.add_route("POST", f"{prefix}/bot{{token}}/{{method}}", self._api_call)
        app.router.add_route("GET", f"{prefix}/bot{{token}}/{{method}}", self._api_call)
        app.router.add_post(f"{prefix}/updates", self._deliver_update)
        app.router.add_post(f"{prefix}/control", self._control)
        app.router.add_post(f"{prefix}/files", self._upload)
        app.router.add_get(f"{prefix}/file/bot{{token}}/{{file_path:.+}}", self._download)
        app.router.add_get(f"{prefix}/user_file/{{file_id}}", self._delivered_file)
        self.outbox.add_routes(app, prefix, self.bots, _telegram_bot_id)
        self.bots.add_routes(app, prefix)
        app.on_cleanup.append(self._on_cleanup)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    def fail_next(self, *failures: InjectedFailure) -> None:
        self._failures.extend(failures)

    # ---- the Bot API ----------------------------------------------------------------------

    async def _api_call(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], self.api.method_name(request.match_info["method"])
        token_id = token.split(":", 1)[0] if ":" in token else "?"
        body: dict[str, Any] = {}
        failure: InjectedFailure | None = None
        try:
            params = await self._read_api_params(request)
            body = _listed_body(params)
            bot = self.api.bot(token)
            failure = self._take_failure(method)
            if failure is not None and failure.error_code is not None:
                raise failure.error()
            result = await self.api.call(bot, method, params)
        except ApiError as error:
            self._record(method, token_id, body, error=error)
            return web.json_response(error.envelope(), status=error.error_code)
        self._record(method, token_id, body, result=result)
        if failure is not None:
            await asyncio.sleep(failure.delay)
            if failure.disconnect and request.transport is not None:
                request.transport.abort()
        return web.json_response({"ok": True, "result": result})

    async def _read_api_params(self, request: web.Request) -> RequestParams:
        try:
            return await read_params(
                request, field_limit=self._max_json_bytes, upload_limit=self._max_upload_bytes
            )
        except BodyTooLarge as error:
            raise ApiError(413, "Request Entity Too Large") from error
        except MalformedBody as error:
            raise bad_request(str(error)) from error

    def _take_failure(self, method: str) -> InjectedFailure | None:
        for failure in self._failures:
            if failure.method is None or failure.method == method:
                self._failures.remove(failure)
                return failure
        return None

    def _record(
        self,
        method: str,
        token_id: str,
        body: dict[str, Any],
        *,
        result: Any = None,
        error: ApiError | None = None,
    ) -> None:
        chat_id = body.get("chat_id")
        self.outbox.record(
            method,
            token_id=token_id,
            chat_id=None if chat_id is None else str(chat_id),
            body=body,
            ok=error is None,
            error_code=error.error_code if error else None,
            description=error.description if error else None,
            result=result,
        )

    # ---- updates from users ----------------------------------------------------------------

    async def _deliver_update(self, request: web.Request) -> web.Response:
        try:
            update = await read_json_object(request, self._max_json_bytes, "an update")
        except RejectedBody as rejected:
            return rejected.response
        overlong = _overlong_text(update)
        if overlong is not None:
            return web.json_response({"error": overlong}, status=400)
        token = request.query.get("token")
        if token:
            try:
                bot = self.api.bot(token)
            except ApiError:
                return web.json_response({"error": "Unauthorized"}, status=401)
        else:
            try:
                bot = await self._chosen_bot(request.query.get("bot"))
            except (BotChoiceError, RejectedBody) as rejected:
                return rejected.response
        update = self.api.accept_update(bot, update)
        update_id = update["update_id"]
        if bot.webhook is None:
            self.api.enqueue(bot, update)
            return web.json_response({"delivered": False, "queued": True, "update_id": update_id}, status=202)
        update_type = next((key for key in update if key != "update_id"), "")
        if not bot.webhook.accepts(update_type):
            return web.json_response({"delivered": False, "filtered": update_type, "update_id": update_id})
        return await self._post_to_webhook(bot, bot.webhook, update)

    async def _chosen_bot(self, name: str | None) -> BotState:
        """The demo bot ``name`` picks (or the only one), waiting a little for its webhook."""
        chosen = self.bots.choose(name)
        if chosen is None:
            return only_registered(await self._registered_webhooks())
        bot = self.api.bot(chosen.telegram_token)
        await self.api.webhook_arrivals.wait_until(lambda: bot.webhook is not None, self._webhook_wait)
        return bot

    async def _registered_webhooks(self) -> list[BotState]:
        """Bots with a webhook, waiting a little for one while the app is still starting."""
        await self.api.webhook_arrivals.wait_until(
            lambda: bool(self.api.bots_with_webhook()), self._webhook_wait
        )
        return self.api.bots_with_webhook()

    async def _post_to_webhook(self, bot: BotState, webhook: Webhook, update: dict[str, Any]) -> web.Response:
        headers = {"Content-Type": "application/json"}
        if webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
        update_id = update["update_id"]
        try:
            async with self._client().post(webhook.url, data=json.dumps(update), headers=headers) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as error:
            webhook.last_error_date = int(time.time())
            webhook.last_error_message = f"Connection failed: {type(error).__name__}"
            log.warning("fake telegram: webhook of bot %s unreachable (%s)", bot.bot_id, type(error).__name__)
            return web.json_response(
                {"delivered": False, "error": "webhook unreachable", "update_id": update_id}, status=502
            )
        if status >= 300:
            webhook.last_error_date = int(time.time())
            webhook.last_error_message = f"Wrong response from the webhook: {status}"
        answer_status = status if status >= 200 and status not in (204, 205, 304) else 200
        return web.json_response(
            {"delivered": True, "status": status, "update_id": update_id}, status=answer_status
        )

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._webhook_timeout))
        return self._http

    # ---- test control and files -------------------------------------------------------------

    async def _control(self, request: web.Request) -> web.Response:
        try:
            command = await read_json(request, self._max_json_bytes)
            failures = [_failure(entry) for entry in command.get("fail_next", [])]
        except (BodyTooLarge, MalformedBody, AttributeError, TypeError, ValueError) as error:
            return web.json_response({"error": f"bad control command: {error}"}, status=400)
        self.fail_next(*failures)
        return web.json_response({"ok": True, "pending_failures": len(self._failures)})

    async def _upload(self, request: web.Request) -> web.Response:
        try:
            params = await read_params(
                request, field_limit=self._max_json_bytes, upload_limit=self._max_upload_bytes
            )
        except BodyTooLarge:
            return web.json_response({"error": "file too large"}, status=413)
        except MalformedBody as error:
            return web.json_response({"error": str(error)}, status=400)
        upload = params.files.get("file") or next(iter(params.files.values()), None)
        if upload is None or not upload.data:
            return web.json_response(
                {"error": "send one non-empty file as multipart part 'file'"}, status=400
            )
        folder = str(params.fields.get("folder") or "documents")
        stored = self.files.add(
            folder=folder if folder.isidentifier() else "documents",
            data=upload.data,
            file_name=upload.file_name,
            mime_type=upload.content_type,
        )
        return web.json_response(
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_path": stored.file_path,
                "file_size": stored.size,
                "file_name": stored.file_name,
                "mime_type": stored.mime_type,
            }
        )

    async def _download(self, request: web.Request) -> web.Response:
        try:
            self.api.bot(request.match_info["token"])
        except ApiError as error:
            return web.json_response(error.envelope(), status=error.error_code)
        stored = self.files.by_path(request.match_info["file_path"])
        if stored is None or stored.data is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    async def _delivered_file(self, request: web.Request) -> web.Response:
        """A file a bot sent, as the recipient's app downloads it (the simulator plays and opens it)."""
        stored = self.files.by_id(request.match_info["file_id"])
        if stored is None or stored.data is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    async def _on_cleanup(self, app: web.Application) -> None:
        await self.close()


_MESSAGE_UPDATES = ("message", "edited_message", "channel_post", "edited_channel_post", "business_message")


def _overlong_text(update: dict[str, Any]) -> str | None:
    """Why Telegram could never deliver ``update``: a message text longer than one message holds."""
    for kind in _MESSAGE_UPDATES:
        message = update.get(kind)
        text = message.get("text") if isinstance(message, dict) else None
        if isinstance(text, str) and len(text) > MAX_TEXT_LENGTH:
            return (
                f"Bad Request: {kind}.text is {len(text)} characters, Telegram delivers at most "
                f"{MAX_TEXT_LENGTH}; its apps send a longer text as several messages"
            )
    return None


def _telegram_bot_id(bot: DemoBot) -> str:
    return bot.telegram_bot_id


def _failure(entry: Any) -> InjectedFailure:
    if not isinstance(entry, dict):
        raise ValueError("each failure is an object")
    if "error_code" not in entry:
        return _late_answer(entry)
    if not isinstance(entry.get("error_code"), int):
        raise ValueError("each failure needs an integer error_code, a delay or disconnect")
    if not 400 <= entry["error_code"] <= 599:
        raise ValueError("error_code must be 4xx or 5xx")
    retry_after = entry.get("retry_after")
    if retry_after is not None and not isinstance(retry_after, int):
        raise ValueError("retry_after must be an integer")
    return InjectedFailure(
        error_code=entry["error_code"],
        retry_after=retry_after,
        method=entry.get("method"),
        description=entry.get("description"),
    )


def _late_answer(entry: dict[str, Any]) -> InjectedFailure:
    delay = entry.get("delay", 0)
    disconnect = entry.get("disconnect", False)
    if not isinstance(delay, int | float) or not 0 <= delay <= 120:
        raise ValueError("delay must be a number of seconds, at most 120")
    if not isinstance(disconnect, bool) or not (delay or disconnect):
        raise ValueError("each failure needs an integer error_code, a delay or disconnect")
    method = entry.get("method")
    return InjectedFailure(delay=float(delay), disconnect=disconnect, method=method)


def _listed_body(params: RequestParams) -> dict[str, Any]:
    """The call's parameters as the outbox shows them: decoded, with files as name and size."""
    try:
        body = typed_fields(params.fields)
    except ApiError:
        body = dict(params.fields)
    unreferenced = dict(params.files)
    for name, value in list(body.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            upload = unreferenced.pop(value.removeprefix("attach://"), None)
            if upload is not None:
                body[name] = upload.summary()
    for name, upload in unreferenced.items():
        body.setdefault(name, upload.summary())
    return body
