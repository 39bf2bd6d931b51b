"""Short-lived signed links to stored files: the signature is the credential, so no API key is needed."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class SignedLink:
    key: str
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str, secret: bytes) -> str:
    return _encode(hmac.new(secret, payload.encode("utf-8"), hashlib.sha256).digest())


def sign(key: str, expires_at: datetime, secret: bytes) -> str:
    payload = _encode(f"{int(expires_at.timestamp())}:{key}".encode())
    return f"{payload}.{_signature(payload, secret)}"


def read(token: str, secret: bytes) -> SignedLink | None:
    """The link behind a token with a valid signature, expired or not; None for anything forged."""
    payload, _, signature = token.partition(".")
    expected = _signature(payload, secret).encode("ascii")
    if not payload or not hmac.compare_digest(signature.encode("utf-8"), expected):
        return None
    try:
        expires, _, key = _decode(payload).decode("utf-8").partition(":")
        return SignedLink(key=key, expires_at=datetime.fromtimestamp(int(expires), UTC))
    except (ValueError, UnicodeDecodeError):
        return None


def verify(token: str, secret: bytes, now: datetime) -> str | None:
    """The storage key of a valid, unexpired token."""
    link = read(token, secret)
    if link is None or link.expired(now):
        return None
    return link.key
