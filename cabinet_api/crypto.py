"""Encryption at rest for the few values the business needs in full (refund payout numbers).

Fernet (AES-128-CBC + HMAC-SHA256, from the ``cryptography`` library) under keys derived from
``OMNICAB_DATA_KEY``: several keys separated by commas rotate, the first encrypts and every one
decrypts. Stored values carry a prefix, so a value written before encryption existed is still read
(and :meth:`DataCipher.is_sealed` tells which rows a start-up pass has yet to encrypt).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Final

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

SEALED_PREFIX: Final = "enc1:"
DEVELOPMENT_KEY: Final = "omnicab-development-data-key-never-use-in-production"
MIN_KEY_LENGTH: Final = 32


class UnreadableValue(ValueError):
    """A sealed value that none of the configured keys opens (a key was dropped from the rotation)."""


def _fernet_key(secret: str) -> bytes:
    digest = hashlib.sha256(b"omnicab data key\x00" + secret.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest)


class DataCipher:
    def __init__(self, secrets: list[str]) -> None:
        if not secrets:
            raise ValueError("at least one data key is needed")
        self._fernet = MultiFernet([Fernet(_fernet_key(secret)) for secret in secrets])

    @classmethod
    def from_setting(cls, value: str) -> DataCipher:
        """``OMNICAB_DATA_KEY``: one key, or ``new,old,...`` while rotating."""
        secrets = [part.strip() for part in value.split(",") if part.strip()]
        short = [secret for secret in secrets if len(secret) < MIN_KEY_LENGTH]
        if not secrets or short:
            raise ValueError(f"every OMNICAB_DATA_KEY key has at least {MIN_KEY_LENGTH} characters")
        return cls(secrets)

    @classmethod
    def development(cls) -> DataCipher:
        """A publicly known key, for tests and demo mode only (live mode requires OMNICAB_DATA_KEY)."""
        return cls([DEVELOPMENT_KEY])

    @staticmethod
    def is_sealed(stored: str) -> bool:
        return stored.startswith(SEALED_PREFIX)

    def seal(self, value: str) -> str:
        return SEALED_PREFIX + self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def open(self, stored: str) -> str:
        """The plain value; a value stored before encryption is returned as it is."""
        if not self.is_sealed(stored):
            return stored
        try:
            return self._fernet.decrypt(stored.removeprefix(SEALED_PREFIX).encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise UnreadableValue("no configured OMNICAB_DATA_KEY opens this value") from None
