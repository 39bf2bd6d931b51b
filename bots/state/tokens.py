"""Short server-side tokens for payloads too long for a platform (Telegram callback_data: 64 bytes).

A token is derived from the payload with an HMAC, so rendering the same button twice gives the
same token, and one payload is stored once however often it is rendered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Protocol

TOKEN_PREFIX = "~"
_TOKEN_CHARS = 12
_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyz234567")


class TokenStore(Protocol):
    async def shorten(self, payload: str) -> str:
        """``"~"`` + 12 characters; the same payload gives the same token while it is stored."""
        ...

    async def resolve(self, token: str) -> str | None:
        """The payload, or None if the token is unknown or expired."""
        ...


def is_token(value: str) -> bool:
    body = value[len(TOKEN_PREFIX) :]
    return value.startswith(TOKEN_PREFIX) and len(body) == _TOKEN_CHARS and set(body) <= _ALPHABET


def token_for(secret: bytes, payload: str) -> str:
    digest = hmac.new(secret, payload.encode(), hashlib.sha256).digest()
    return TOKEN_PREFIX + base64.b32encode(digest).decode().lower()[:_TOKEN_CHARS]


def token_body(token: str) -> str:
    return token[len(TOKEN_PREFIX) :]
