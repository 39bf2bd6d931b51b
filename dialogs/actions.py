"""Running rasa-sdk actions: in-process, on an action server, or both.

Actions are the engine's only way to data. Their results are data too (rasa-sdk's model): the
messages a ``CollectingDispatcher`` collected and the events the action returned, which every
runner parses into a typed :class:`~dialogs.outcome.ActionOutcome` before the engine sees them.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterable
from typing import Any, Protocol

import aiohttp
import rasa_sdk
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from dialogs.outcome import MAX_OUTCOME_BYTES, ActionOutcome, MalformedOutcome, local_outcome, parse_outcome

_READ_CHUNK = 64 * 1024


class ActionError(Exception):
    """An action could not be run; the dialog answers politely and carries on."""

    def __init__(self, action: str, message: str) -> None:
        super().__init__(f"action '{action}': {message}")
        self.action = action


class UnknownActionError(ActionError):
    def __init__(self, action: str) -> None:
        super().__init__(action, "no runner provides it")


class ActionServerError(ActionError):
    """The action server refused or failed the call (``status`` 0: it could not be reached)."""

    def __init__(self, action: str, status: int, message: str) -> None:
        super().__init__(action, f"action server answered {status}: {message}")
        self.status = status
        self.server_message = message


class MalformedActionResult(ActionError):
    """The action answered something that is not a result this engine understands; nothing of it is used."""

    def __init__(self, action: str, problem: str) -> None:
        super().__init__(action, f"malformed result: {problem}")
        self.problem = problem


class ActionRunner(Protocol):
    def names(self) -> frozenset[str]: ...

    async def run(self, name: str, tracker: Tracker, domain: dict[str, Any]) -> ActionOutcome: ...


class LocalActions:
    """Runs ``Action.run(CollectingDispatcher(), tracker, domain)`` in this process."""

    def __init__(self, actions: Iterable[Action]) -> None:
        self._actions = {action.name(): action for action in actions}

    def names(self) -> frozenset[str]:
        return frozenset(self._actions)

    async def run(self, name: str, tracker: Tracker, domain: dict[str, Any]) -> ActionOutcome:
        action = self._actions.get(name)
        if action is None:
            raise UnknownActionError(name)
        dispatcher = CollectingDispatcher()
        result = action.run(dispatcher, tracker.copy(), domain)
        if inspect.isawaitable(result):
            result = await result
        try:
            return local_outcome(dispatcher.messages, result)
        except MalformedOutcome as malformed:
            raise MalformedActionResult(name, str(malformed)) from None


class RemoteActions:
    """Calls a rasa-sdk compatible action server (``POST {url}/webhook``)."""

    def __init__(self, url: str, names: Iterable[str], timeout: float = 10) -> None:
        self._url = url.rstrip("/") + "/webhook"
        self._names = frozenset(names)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def names(self) -> frozenset[str]:
        return self._names

    async def run(self, name: str, tracker: Tracker, domain: dict[str, Any]) -> ActionOutcome:
        if name not in self._names:
            raise UnknownActionError(name)
        call = {
            "next_action": name,
            "sender_id": tracker.sender_id,
            "tracker": tracker.current_state(),
            "domain": domain,
            "version": rasa_sdk.__version__,
        }
        try:
            async with self._client().post(self._url, json=call) as response:
                status = response.status
                raw = await _bounded_body(response)
        except (TimeoutError, aiohttp.ClientError) as error:
            raise ActionServerError(name, 0, type(error).__name__) from error
        if raw is None:
            raise MalformedActionResult(name, f"the answer is larger than {MAX_OUTCOME_BYTES} bytes")
        if status != 200:
            raise ActionServerError(name, status, _server_error(raw))
        try:
            return parse_outcome(raw)
        except MalformedOutcome as malformed:
            raise MalformedActionResult(name, str(malformed)) from None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _bounded_body(response: aiohttp.ClientResponse) -> bytes | None:
    """The body, or None once it grows past what an action result may be."""
    body = bytearray()
    async for chunk in response.content.iter_chunked(_READ_CHUNK):
        body.extend(chunk)
        if len(body) > MAX_OUTCOME_BYTES:
            return None
    return bytes(body)


def _server_error(raw: bytes) -> str:
    """rasa-sdk's ``{"error": ...}``, shortened; nothing when the body is something else."""
    try:
        body = json.loads(raw)
    except ValueError:
        return ""
    message = body.get("error") if isinstance(body, dict) else None
    return str(message)[:200] if message else ""


class CompositeActions:
    """The first runner that knows an action runs it."""

    def __init__(self, *runners: ActionRunner) -> None:
        self._runners = runners

    def names(self) -> frozenset[str]:
        return frozenset().union(*(runner.names() for runner in self._runners))

    async def run(self, name: str, tracker: Tracker, domain: dict[str, Any]) -> ActionOutcome:
        for runner in self._runners:
            if name in runner.names():
                return await runner.run(name, tracker, domain)
        raise UnknownActionError(name)

    async def close(self) -> None:
        for runner in self._runners:
            close = getattr(runner, "close", None)
            if close is not None:
                await close()
