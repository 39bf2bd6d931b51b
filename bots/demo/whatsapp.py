"""A fake WhatsApp Cloud API for demo mode and tests, speaking the Cloud API's formats on both sides.

Mounted under a prefix (``/fake/whatsapp`` in the app):

- ``POST {prefix}/v{version}/{phone_id}/messages``: send a message or a read receipt (Bearer token);
- ``POST {prefix}/v{version}/{phone_id}/media``: upload media (multipart ``file``, ``type``);
- ``GET {prefix}/v{version}/{media_id}``: the media's download URL; ``GET {prefix}/media/{media_id}``
  downloads it (Bearer token), as ``lookaside.fbsbx.com`` does;
- ``GET {prefix}/bots``: the demo bots a person can write to (name, title);
- ``POST {prefix}/updates[?bot=|?phone_id=]``: a Cloud API webhook notification from users; the
  fake fills ids, timestamps and metadata, opens the senders' 24-hour windows, signs the body with
  the app secret (``X-Hub-Signature-256``) and posts it to the number's webhook, answering with the
  webhook's status; with several bots and none named (nor a ``metadata.phone_number_id``) it
  answers 400, naming the choices;
- ``POST {prefix}/user_media``: a user's file (multipart ``file``), to reference by id in an update;
  ``GET {prefix}/user_media/{media_id}``: media a bot sent, as the recipient's phone downloads it
  (the simulator plays and opens it; no business token, since it stands for the user's app);
- ``GET|DELETE {prefix}/outbox[?bot=]``: every API call the bots made, or one bot's (endpoint and
  JSON body);
- ``POST {prefix}/control``: ``fail_next`` (Graph errors to answer next), ``webhook`` (register a
  number's webhook after Meta's ``GET`` verification handshake), ``approved_templates`` (names;
  ``prefix*`` approves a prefix), ``close_window_for`` (users whose 24 hours have passed),
  ``auto_status`` (post ``sent`` and ``delivered`` statuses after each message; off by default).

A number is known to the fake once its webhook is registered (or through ``accounts=``); Meta's
dashboard would have issued its token.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from bots.demo.bodies import (
    BodyTooLarge,
    MalformedBody,
    RejectedBody,
    RequestParams,
    read_json,
    read_json_object,
    read_params,
)
from bots.demo.outbox import Outbox
from bots.demo.registry import BotChoiceError, DemoBot, DemoBots, WebhookArrivals
from bots.demo.whatsapp_api import Account, CloudApi, GraphError, SentMessage, Webhook

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
MAX_JSON_BYTES = 1024 * 1024
WEBHOOK_TIMEOUT_SECONDS = 30.0
WEBHOOK_WAIT_SECONDS = 5.0
SIGNATURE_HEADER = "X-Hub-Signature-256"


@dataclass(frozen=True)
class InjectedFailure:
    code: int
    message: str = "Injected failure"
    http_status: int = 400
    endpoint: str | None = None

    def error(self) -> GraphError:
        return GraphError(self.code, self.message, http_status=self.http_status)


class FakeWhatsApp:
    def __init__(
        self,
        *,
        accounts: Mapping[str, str] | None = None,
        api: CloudApi | None = None,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
        max_json_bytes: int = MAX_JSON_BYTES,
        webhook_timeout: float = WEBHOOK_TIMEOUT_SECONDS,
        webhook_wait: float = WEBHOOK_WAIT_SECONDS,
        bots: DemoBots | None = None,
    ) -> None:
        self.bots = bots if bots is not None else DemoBots()
        self.api = api or CloudApi()
        for phone_id, token in (accounts or {}).items():
            self.api.provision(phone_id, token)
        self.outbox = Outbox()
        self.auto_status = False
        self._prefix = ""
        self._max_upload_bytes = max_upload_bytes
        self._max_json_bytes = max_json_bytes
        self._webhook_timeout = webhook_timeout
        self._webhook_wait = webhook_wait
        self._webhook_arrivals = WebhookArrivals()
        self._failures: deque[InjectedFailure] = deque()
        self._background: set[asyncio.Task[None]] = set()
        self._http: aiohttp.ClientSession | None = None

    def mount(self, app: web.Application, prefix: str = "/fake/whatsapp") -> None:
        prefix = prefix.rstrip("/")
        self._prefix = prefix
        app.router.add_post(f"{prefix}/v{{version}}/{{phone_id}}/messages", self._messages)
        app.router.add_post(f"{prefix}/v{{version}}/{{phone_id}}/media", self._upload_media)
        app.router.add_get(f"{prefix}/v{{version}}/{{media_id}}", self._media_info)
        app.router.add_get(f"{prefix}/media/{{media_id}}", self._download)
        app.router.add_post(f"{prefix}/updates", self._deliver_update)
        app.router.add_post(f"{prefix}/user_media", self._user_media)
        app.router.add_get(f"{prefix}/user_media/{{media_id}}", self._delivered_media)
        app.router.add_post(f"{prefix}/control", self._control)
        self.outbox.add_routes(app, prefix, self.bots, _phone_id_of_bot)
        self.bots.add_routes(app, prefix)
        app.on_cleanup.append(self._on_cleanup)

    def fail_next(self, *failures: InjectedFailure) -> None:
        self._failures.extend(failures)

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None

    # ---- the Graph API ----------------------------------------------------------------------

    async def _messages(self, request: web.Request) -> web.Response:
        phone_id = request.match_info["phone_id"]
        endpoint = f"/{phone_id}/messages"
        body: Any = {}
        try:
            account = self.api.authorize(request.headers.get("Authorization"), phone_id)
            body = await self._read_json(request)
            self._raise_injected("messages")
            answer, sent = self.api.send(account, body)
        except GraphError as error:
            self._record(endpoint, phone_id, body, error=error)
            return web.json_response(error.envelope(), status=error.http_status)
        self._record(endpoint, phone_id, body, result=answer)
        if sent is not None and self.auto_status:
            self._spawn(self._post_statuses(account, sent))
        return web.json_response(answer)

    async def _upload_media(self, request: web.Request) -> web.Response:
        phone_id = request.match_info["phone_id"]
        endpoint = f"/{phone_id}/media"
        listed: dict[str, Any] = {}
        try:
            self.api.authorize(request.headers.get("Authorization"), phone_id)
            params = await self._read_params(request)
            upload = params.files.get("file")
            listed = {
                **{name: value for name, value in params.fields.items() if isinstance(value, str)},
                **{name: file.summary() for name, file in params.files.items()},
            }
            self._raise_injected("media")
            if params.fields.get("messaging_product") != "whatsapp" or upload is None:
                raise GraphError(100, "(#100) The parameter messaging_product is required.")
            stored = self.api.store_media(upload, str(params.fields.get("type") or "") or None)
        except GraphError as error:
            self._record(endpoint, phone_id, listed, error=error)
            return web.json_response(error.envelope(), status=error.http_status)
        answer = {"id": stored.media_id}
        self._record(endpoint, phone_id, listed, result=answer)
        return web.json_response(answer)

    async def _media_info(self, request: web.Request) -> web.Response:
        media_id = request.match_info["media_id"]
        try:
            account = self.api.authorize(request.headers.get("Authorization"))
            download = str(request.url.with_path(f"{self._prefix}/media/{media_id}").with_query(None))
            answer = self.api.media_info(media_id, download)
        except GraphError as error:
            return web.json_response(error.envelope(), status=error.http_status)
        self._record(f"/{media_id}", account.phone_id, {}, result=answer)
        return web.json_response(answer)

    async def _download(self, request: web.Request) -> web.Response:
        try:
            self.api.authorize(request.headers.get("Authorization"))
        except GraphError as error:
            return web.json_response(error.envelope(), status=error.http_status)
        stored = self.api.media.get(request.match_info["media_id"])
        if stored is None:
            return web.json_response({"error": "not found"}, status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type)

    def _raise_injected(self, endpoint: str) -> None:
        for failure in self._failures:
            if failure.endpoint is None or failure.endpoint == endpoint:
                self._failures.remove(failure)
                raise failure.error()

    def _record(
        self,
        endpoint: str,
        phone_id: str,
        body: Any,
        *,
        result: Any = None,
        error: GraphError | None = None,
    ) -> None:
        listed = body if isinstance(body, dict) else {"body": body}
        recipient = listed.get("to") or listed.get("recipient")
        self.outbox.record(
            endpoint,
            token_id=phone_id,
            chat_id=str(recipient) if recipient else None,
            body=listed,
            ok=error is None,
            error_code=error.code if error else None,
            description=error.message if error else None,
            result=result,
        )

    async def _read_json(self, request: web.Request) -> Any:
        try:
            return await read_json(request, self._max_json_bytes)
        except BodyTooLarge as error:
            raise GraphError(100, "(#100) The request body is too large", http_status=413) from error
        except MalformedBody as error:
            raise GraphError(100, f"(#100) {error}") from error

    async def _read_params(self, request: web.Request) -> RequestParams:
        try:
            return await read_params(
                request, field_limit=self._max_json_bytes, upload_limit=self._max_upload_bytes
            )
        except BodyTooLarge as error:
            raise GraphError(131052, "Media upload error: the file is too large", http_status=413) from error
        except MalformedBody as error:
            raise GraphError(100, f"(#100) {error}") from error

    # ---- notifications to the bots ----------------------------------------------------------

    async def _deliver_update(self, request: web.Request) -> web.Response:
        try:
            notification = await read_json_object(request, self._max_json_bytes, "a notification")
        except RejectedBody as rejected:
            return rejected.response
        try:
            account = await self._target(
                request.query.get("phone_id"), request.query.get("bot"), _phone_id_of(notification)
            )
        except BotChoiceError as error:
            return error.response
        if isinstance(account, web.Response):
            return account
        try:
            message_ids = self.api.accept_notification(account, notification)
        except GraphError as error:
            return web.json_response({"error": error.details or error.message}, status=400)
        status = await self._post_to_webhook(account, notification)
        if status is None:
            return web.json_response(
                {"delivered": False, "error": "webhook unreachable", "message_ids": message_ids}, status=502
            )
        answer_status = status if 200 <= status < 600 and status not in (204, 205, 304) else 200
        return web.json_response(
            {"delivered": True, "status": status, "message_ids": message_ids}, status=answer_status
        )

    async def _target(
        self, phone_id: str | None, bot: str | None, phone_id_in_body: str | None
    ) -> Account | web.Response:
        """The number a notification goes to: named by ``phone_id``, ``bot``, the body's metadata,
        or the only demo bot (raises :class:`BotChoiceError` when several and none is named)."""
        if phone_id is None and (bot or phone_id_in_body is None):
            chosen = self.bots.choose(bot)
            if chosen is not None:
                phone_id = chosen.whatsapp_phone_id
                await self._webhook_arrivals.wait_until(
                    lambda: self._has_webhook(chosen.whatsapp_phone_id), self._webhook_wait
                )
        phone_id = phone_id or phone_id_in_body
        if phone_id is not None:
            account = self.api.accounts.get(phone_id)
            if account is None or account.webhook is None:
                return web.json_response({"error": f"no webhook registered for {phone_id}"}, status=409)
            return account
        await self._webhook_arrivals.wait_until(lambda: bool(self.api.with_webhook()), self._webhook_wait)
        registered = self.api.with_webhook()
        if not registered:
            return web.json_response({"error": "no webhook registered"}, status=409)
        if len(registered) > 1:
            return web.json_response(
                {
                    "error": "Вебхук зарегистрировали несколько номеров — укажите ?phone_id= или "
                    "metadata.phone_number_id. / Several numbers have webhooks; pass ?phone_id= "
                    "or metadata.phone_number_id."
                },
                status=400,
            )
        return registered[0]

    def _has_webhook(self, phone_id: str) -> bool:
        account = self.api.accounts.get(phone_id)
        return account is not None and account.webhook is not None

    async def _post_to_webhook(self, account: Account, notification: dict[str, Any]) -> int | None:
        webhook = account.webhook
        if webhook is None:
            return None
        raw = json.dumps(notification, ensure_ascii=False).encode()
        signature = hmac.new(webhook.app_secret.encode(), raw, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: f"sha256={signature}"}
        try:
            async with self._client().post(webhook.url, data=raw, headers=headers) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning(
                "fake whatsapp: webhook of %s unreachable (%s)", account.phone_id, type(error).__name__
            )
            return None

    async def _post_statuses(self, account: Account, sent: SentMessage) -> None:
        for status in ("sent", "delivered"):
            recipient = {"recipient_id": sent.wa_id}
            if sent.user_id:
                recipient["recipient_user_id"] = sent.user_id
            notification = {
                "entry": [
                    {
                        "changes": [
                            {
                                "field": "messages",
                                "value": {
                                    "statuses": [
                                        {
                                            "id": sent.wamid,
                                            "status": status,
                                            "timestamp": str(int(time.time())),
                                            **recipient,
                                            "pricing": {
                                                "billable": True,
                                                "pricing_model": "PMP",
                                                "category": "service",
                                                "type": "free_customer_service",
                                            },
                                        }
                                    ]
                                },
                            }
                        ]
                    }
                ]
            }
            self.api.accept_notification(account, notification)
            await self._post_to_webhook(account, notification)

    def _spawn(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._webhook_timeout))
        return self._http

    # ---- files from users and test control ----------------------------------------------------

    async def _user_media(self, request: web.Request) -> web.Response:
        try:
            params = await self._read_params(request)
            upload = params.files.get("file") or next(iter(params.files.values()), None)
            if upload is None:
                raise GraphError(100, "send one non-empty file as multipart part 'file'")
            stored = self.api.store_media(upload, upload.content_type)
        except GraphError as error:
            return web.json_response({"error": error.details or error.message}, status=error.http_status)
        return web.json_response(
            {"id": stored.media_id, "mime_type": stored.mime_type, "sha256": stored.sha256}
        )

    async def _delivered_media(self, request: web.Request) -> web.Response:
        stored = self.api.media.get(request.match_info["media_id"])
        if stored is None:
            return web.json_response({"error": "not found"}, status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type)

    async def _control(self, request: web.Request) -> web.Response:
        try:
            command = await read_json(request, self._max_json_bytes)
            if not isinstance(command, dict):
                raise ValueError("a control command is a JSON object")
            failures = [_failure(entry) for entry in command.get("fail_next", [])]
            webhook = _webhook_command(command["webhook"]) if "webhook" in command else None
            approved = command.get("approved_templates")
            if approved is not None and not all(isinstance(name, str) for name in approved):
                raise ValueError("approved_templates is a list of names")
            closing = command.get("close_window_for", [])
            closing = [closing] if isinstance(closing, str) else list(closing)
            auto_status = command.get("auto_status")
        except (BodyTooLarge, MalformedBody, KeyError, TypeError, ValueError) as error:
            return web.json_response({"error": f"bad control command: {error}"}, status=400)
        if webhook is not None:
            refused = await self._register(*webhook)
            if refused is not None:
                return web.json_response({"error": refused}, status=400)
        self.fail_next(*failures)
        if approved is not None:
            self.api.approved_templates = set(approved)
        closed = [user for user in closing if self.api.close_window(str(user))]
        if auto_status is not None:
            self.auto_status = bool(auto_status)
        return web.json_response(
            {"ok": True, "pending_failures": len(self._failures), "closed_windows": closed}
        )

    async def _register(
        self, phone_id: str, token: str, webhook: Webhook, templates: list[str]
    ) -> str | None:
        """Meta's verification: ``GET`` the callback with a challenge, which it must echo."""
        challenge = str(secrets.randbelow(10**9))
        query = {
            "hub.mode": "subscribe",
            "hub.challenge": challenge,
            "hub.verify_token": webhook.verify_token,
        }
        try:
            async with self._client().get(webhook.url, params=query) as response:
                answer = await response.text()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            return f"the callback URL could not be reached ({type(error).__name__})"
        if status != 200 or answer.strip() != challenge:
            return f"the callback URL or verify token couldn't be validated (status {status})"
        account = self.api.provision(phone_id, token)
        account.webhook = webhook
        self.api.approved_templates.update(templates)
        self._webhook_arrivals.announce()
        return None

    async def _on_cleanup(self, app: web.Application) -> None:
        await self.close()


def _phone_id_of_bot(bot: DemoBot) -> str:
    return bot.whatsapp_phone_id


def _phone_id_of(notification: dict[str, Any]) -> str | None:
    try:
        phone_id = notification["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"]
    except (KeyError, IndexError, TypeError):
        return None
    return str(phone_id) if phone_id else None


def _failure(entry: Any) -> InjectedFailure:
    if not isinstance(entry, dict) or not isinstance(entry.get("code"), int):
        raise ValueError("each failure needs an integer Graph error code")
    http_status = entry.get("http_status", 400)
    if not isinstance(http_status, int) or not 400 <= http_status <= 599:
        raise ValueError("http_status must be 4xx or 5xx")
    endpoint = entry.get("endpoint")
    if endpoint not in (None, "messages", "media"):
        raise ValueError("endpoint is messages or media")
    return InjectedFailure(
        code=entry["code"],
        message=str(entry.get("message") or f"(#{entry['code']}) Injected failure"),
        http_status=http_status,
        endpoint=endpoint,
    )


def _webhook_command(entry: Any) -> tuple[str, str, Webhook, list[str]]:
    if not isinstance(entry, dict):
        raise ValueError("webhook is an object")
    fields = {name: entry.get(name) for name in ("phone_id", "url", "app_secret", "verify_token", "token")}
    missing = [name for name, value in fields.items() if not isinstance(value, str) or not value]
    if missing:
        raise ValueError(f"webhook needs {', '.join(missing)}")
    url = str(fields["url"])
    if not url.startswith(("https://", "http://")):
        raise ValueError("the callback URL must be http(s)")
    templates = entry.get("templates", [])
    if not isinstance(templates, list) or not all(isinstance(name, str) for name in templates):
        raise ValueError("templates is a list of names")
    webhook = Webhook(url=url, app_secret=str(fields["app_secret"]), verify_token=str(fields["verify_token"]))
    return str(fields["phone_id"]), str(fields["token"]), webhook, templates
