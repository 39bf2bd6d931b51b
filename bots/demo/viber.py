"""A fake Viber REST API for demo mode and tests, speaking Viber's formats on both sides.

Mounted under a prefix (``/fake/viber`` in the app):

- ``POST {prefix}/pa/{endpoint}``: ``set_webhook``, ``get_account_info``, ``send_message``,
  ``get_user_details``, ``get_online``, authorized by ``X-Viber-Auth-Token``; every answer is
  HTTP 200 with Viber's ``status`` and ``status_message``; ``set_webhook`` first checks the URL
  with a signed ``webhook`` callback, as Viber does;
- ``GET {prefix}/bots``: the demo bots a person can write to (name, title);
- ``POST {prefix}/updates[?bot=|?token=]``: a callback in Viber's format (``event``, ``sender`` or
  ``user``...; ``timestamp`` and ``message_token`` filled when missing), signed with the account's
  token and posted to its webhook; the answer carries the webhook's status and JSON response
  (so a ``conversation_started`` welcome message is visible, and is listed in the outbox as
  ``welcome_message``); with several bots and none named it answers 400, naming the choices;
- ``GET|DELETE {prefix}/outbox[?bot=]``: every API call the bots made (or one bot's);
- ``POST {prefix}/control[?auto_status=1]``: ``{"fail_next": [{"status": 12}, {"http_status": 503,
  "method": "send_message"}], "auto_status": true}``; with auto status every accepted message is
  followed by ``delivered`` and ``seen`` callbacks.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from bots.demo.bodies import (
    BodyTooLarge,
    MalformedBody,
    RejectedBody,
    only_registered,
    read_json,
    read_json_object,
)
from bots.demo.outbox import Outbox
from bots.demo.registry import BotChoiceError, DemoBot, DemoBots, WebhookArrivals
from bots.demo.viber_api import (
    Account,
    ApiError,
    Status,
    ViberApi,
    bad_data,
    check_message,
    sign,
    status_message,
)

log = logging.getLogger(__name__)

AUTH_HEADER = "X-Viber-Auth-Token"
SIGNATURE_HEADER = "X-Viber-Content-Signature"
MAX_JSON_BYTES = 1024 * 1024
WEBHOOK_TIMEOUT_SECONDS = 30.0
WEBHOOK_WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class InjectedFailure:
    """A Viber ``status`` (HTTP 200) or, with ``http_status``, a failing HTTP answer."""

    status: int | None = None
    http_status: int | None = None
    method: str | None = None
    status_message: str | None = None

    def response(self) -> web.Response:
        if self.http_status is not None:
            return web.json_response({"error": "injected failure"}, status=self.http_status)
        status = self.status or Status.BAD_DATA
        return web.json_response(
            {"status": status, "status_message": self.status_message or status_message(status)}
        )


class FakeViber:
    def __init__(
        self,
        *,
        rate_per_second: int | None = None,
        max_json_bytes: int = MAX_JSON_BYTES,
        webhook_timeout: float = WEBHOOK_TIMEOUT_SECONDS,
        webhook_wait: float = WEBHOOK_WAIT_SECONDS,
        bots: DemoBots | None = None,
    ) -> None:
        self.bots = bots if bots is not None else DemoBots()
        self.api = ViberApi() if rate_per_second is None else ViberApi(rate_per_second=rate_per_second)
        self.outbox = Outbox()
        self.auto_status = False
        self._max_json_bytes = max_json_bytes
        self._webhook_timeout = webhook_timeout
        self._webhook_wait = webhook_wait
        self._failures: deque[InjectedFailure] = deque()
        self._webhook_arrivals = WebhookArrivals()
        self._status_tasks: set[asyncio.Task[None]] = set()
        self._http: aiohttp.ClientSession | None = None

    def mount(self, app: web.Application, prefix: str = "/fake/viber") -> None:
        prefix = prefix.rstrip("/")
        app.router.add_post(f"{prefix}/pa/{{endpoint}}", self._api_call)
        app.router.add_post(f"{prefix}/updates", self._deliver_update)
        app.router.add_post(f"{prefix}/control", self._control)
        self.outbox.add_routes(app, prefix, self.bots, self._account_id)
        self.bots.add_routes(app, prefix)
        app.on_cleanup.append(self._on_cleanup)

    def fail_next(self, *failures: InjectedFailure) -> None:
        self._failures.extend(failures)

    async def close(self) -> None:
        for task in list(self._status_tasks):
            task.cancel()
        await asyncio.gather(*self._status_tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None

    # ---- the REST API ---------------------------------------------------------------------

    async def _api_call(self, request: web.Request) -> web.Response:
        endpoint = request.match_info["endpoint"]
        handler = {
            "set_webhook": self._set_webhook,
            "get_account_info": self._get_account_info,
            "send_message": self._send_message,
            "get_user_details": self._get_user_details,
            "get_online": self._get_online,
        }.get(endpoint)
        if handler is None:
            return web.json_response({"error": f"unknown endpoint {endpoint}"}, status=404)
        body: dict[str, Any] = {}
        account_id = "?"
        try:
            body = await self._read_body(request)
            token = request.headers.get(AUTH_HEADER) or body.get("auth_token")
            body.pop("auth_token", None)
            account = self.api.account(token if isinstance(token, str) else None)
            account_id = account.account_id
            failure = self._take_failure(endpoint)
            if failure is not None:
                self._record(endpoint, account_id, body, failure=failure)
                return failure.response()
            answer = await handler(account, body)
        except ApiError as error:
            self._record(endpoint, account_id, body, error=error)
            return web.json_response(error.envelope())
        self._record(endpoint, account_id, body, answer=answer)
        if endpoint == "send_message" and self.auto_status:
            self._emit_statuses(account, body["receiver"], answer["message_token"])
        return web.json_response(answer)

    async def _read_body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await read_json(request, self._max_json_bytes) if request.body_exists else {}
        except (BodyTooLarge, MalformedBody) as error:
            raise bad_data(str(error)) from error
        if not isinstance(body, dict):
            raise bad_data("the body must be a JSON object")
        return body

    async def _set_webhook(self, account: Account, body: dict[str, Any]) -> dict[str, Any]:
        url, event_types = self.api.webhook_request(body)
        if url:
            ping = self.api.accept_callback(account, {"event": "webhook"})
            status, _ = await self._post(account, url, ping)
            if status is None or not 200 <= status < 300:
                answered = "is unreachable" if status is None else f"answered HTTP {status}"
                raise ApiError(Status.INVALID_URL, f"the webhook {answered}")
        answer = self.api.set_webhook(account, url, event_types)
        if url:
            self._webhook_arrivals.announce()
        return answer

    async def _get_account_info(self, account: Account, body: dict[str, Any]) -> dict[str, Any]:
        return account.info()

    async def _send_message(self, account: Account, body: dict[str, Any]) -> dict[str, Any]:
        return self.api.send_message(account, body)

    async def _get_user_details(self, account: Account, body: dict[str, Any]) -> dict[str, Any]:
        return self.api.get_user_details(account, body)

    async def _get_online(self, account: Account, body: dict[str, Any]) -> dict[str, Any]:
        return self.api.get_online(account, body)

    def _take_failure(self, endpoint: str) -> InjectedFailure | None:
        for failure in self._failures:
            if failure.method is None or failure.method == endpoint:
                self._failures.remove(failure)
                return failure
        return None

    def _record(
        self,
        method: str,
        account_id: str,
        body: dict[str, Any],
        *,
        answer: dict[str, Any] | None = None,
        error: ApiError | None = None,
        failure: InjectedFailure | None = None,
    ) -> None:
        chat = body.get("receiver") if method == "send_message" else body.get("id")
        code: int | None = None
        description: str | None = None
        if error is not None:
            code, description = error.status, error.status_message
        elif failure is not None:
            code = failure.http_status or failure.status or Status.BAD_DATA
            description = failure.status_message or "injected failure"
        self.outbox.record(
            method,
            token_id=account_id,
            chat_id=chat if isinstance(chat, str) else None,
            body=body,
            ok=code is None,
            error_code=code,
            description=description,
            result=answer,
        )

    # ---- callbacks from users --------------------------------------------------------------

    async def _deliver_update(self, request: web.Request) -> web.Response:
        try:
            update = await read_json_object(request, self._max_json_bytes, "a callback")
        except RejectedBody as rejected:
            return rejected.response
        token = request.query.get("token")
        if token:
            try:
                account = self.api.account(token)
            except ApiError:
                return web.json_response({"error": "invalidAuthToken"}, status=401)
        else:
            try:
                account = await self._chosen_account(request.query.get("bot"))
            except (BotChoiceError, RejectedBody) as rejected:
                return rejected.response
        try:
            callback = self.api.accept_callback(account, update)
        except ValueError as error:
            return web.json_response({"error": str(error)}, status=400)
        event, message_token = callback["event"], callback.get("message_token")
        if account.webhook is None:
            return web.json_response({"delivered": False, "error": "no webhook set"}, status=409)
        if not account.delivers(event):
            return web.json_response({"delivered": False, "filtered": event, "message_token": message_token})
        status, response = await self._post(account, account.webhook, callback)
        if status is None:
            return web.json_response(
                {"delivered": False, "error": "webhook unreachable", "message_token": message_token},
                status=502,
            )
        if event == "conversation_started" and 200 <= status < 300:
            self._record_welcome(account, callback, response)
        answer_status = status if status >= 200 and status not in (204, 205, 304) else 200
        return web.json_response(
            {"delivered": True, "status": status, "message_token": message_token, "response": response},
            status=answer_status,
        )

    def _account_id(self, bot: DemoBot) -> str:
        return self.api.account(bot.viber_token).account_id

    async def _chosen_account(self, name: str | None) -> Account:
        """The demo bot ``name`` picks (or the only one), waiting a little for its webhook."""
        chosen = self.bots.choose(name)
        if chosen is None:
            return only_registered(await self._registered_accounts())
        account = self.api.account(chosen.viber_token)
        await self._webhook_arrivals.wait_until(lambda: account.webhook is not None, self._webhook_wait)
        return account

    async def _registered_accounts(self) -> list[Account]:
        """Accounts with a webhook, waiting a little for one while the app is still starting."""
        await self._webhook_arrivals.wait_until(
            lambda: bool(self.api.accounts_with_webhook()), self._webhook_wait
        )
        return self.api.accounts_with_webhook()

    def _record_welcome(self, account: Account, callback: dict[str, Any], response: object) -> None:
        """A welcome message returned to ``conversation_started`` reaches the user as Viber shows it."""
        if not isinstance(response, dict) or "type" not in response:
            return
        user = callback.get("user")
        user_id = user.get("id") if isinstance(user, dict) else None
        try:
            check_message(response, welcome=True)
        except ApiError as error:
            self.outbox.record(
                "welcome_message",
                token_id=account.account_id,
                chat_id=user_id,
                body=response,
                ok=False,
                error_code=error.status,
                description=error.status_message,
            )
            return
        self.outbox.record(
            "welcome_message",
            token_id=account.account_id,
            chat_id=user_id,
            body=response,
            ok=True,
            result={"status": 0, "status_message": "ok", "message_token": callback.get("message_token")},
        )

    async def _post(self, account: Account, url: str, callback: dict[str, Any]) -> tuple[int | None, object]:
        """POST a signed callback; the webhook's status (None when unreachable) and its JSON answer."""
        raw = json.dumps(callback, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(account.token, raw)}
        try:
            async with self._client().post(url, data=raw, headers=headers) as response:
                text = await response.text()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning(
                "fake viber: webhook of %s unreachable (%s)", account.account_id, type(error).__name__
            )
            return None, None
        try:
            return status, json.loads(text) if text.strip() else None
        except json.JSONDecodeError:
            return status, text

    def _emit_statuses(self, account: Account, receiver: str, message_token: int) -> None:
        task = asyncio.create_task(self._statuses(account, receiver, message_token))
        self._status_tasks.add(task)
        task.add_done_callback(self._status_tasks.discard)

    async def _statuses(self, account: Account, receiver: str, message_token: int) -> None:
        for event in ("delivered", "seen"):
            if account.webhook is None or not account.delivers(event):
                continue
            callback = self.api.accept_callback(
                account, {"event": event, "message_token": message_token, "user_id": receiver}
            )
            await self._post(account, account.webhook, callback)

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._webhook_timeout))
        return self._http

    # ---- test control ----------------------------------------------------------------------

    async def _control(self, request: web.Request) -> web.Response:
        try:
            command = await read_json(request, self._max_json_bytes) if request.body_exists else {}
            if not isinstance(command, dict):
                raise ValueError("the command is a JSON object")
            failures = [_failure(entry) for entry in command.get("fail_next", [])]
            auto_status = command.get("auto_status", request.query.get("auto_status"))
        except (BodyTooLarge, MalformedBody, TypeError, ValueError) as error:
            return web.json_response({"error": f"bad control command: {error}"}, status=400)
        self.fail_next(*failures)
        if auto_status is not None:
            self.auto_status = auto_status in (True, 1, "1", "true")
        return web.json_response(
            {"ok": True, "pending_failures": len(self._failures), "auto_status": self.auto_status}
        )

    async def _on_cleanup(self, app: web.Application) -> None:
        await self.close()


def _failure(entry: Any) -> InjectedFailure:
    if not isinstance(entry, dict):
        raise ValueError("each failure is an object")
    status, http_status = entry.get("status"), entry.get("http_status")
    if http_status is not None:
        if not isinstance(http_status, int) or not 400 <= http_status <= 599:
            raise ValueError("http_status must be 4xx or 5xx")
    elif not isinstance(status, int) or not 1 <= status <= 255:
        raise ValueError("each failure needs a Viber status (1-255) or an http_status")
    method, message = entry.get("method"), entry.get("status_message")
    return InjectedFailure(
        status=status if http_status is None else None,
        http_status=http_status,
        method=method if isinstance(method, str) else None,
        status_message=message if isinstance(message, str) else None,
    )
