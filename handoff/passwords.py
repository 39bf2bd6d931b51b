"""Console passwords: argon2id (argon2-cffi's defaults, RFC 9106's second recommendation)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 4
MAX_LENGTH = 256
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("omnicab: equalises the time of unknown logins")


def hash_password(password: str) -> str:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValueError(f"password must have {MIN_LENGTH} to {MAX_LENGTH} characters")
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the login exists (``None`` hash), so timing tells nothing."""
    try:
        return _HASHER.verify(password_hash or _DUMMY, password[:MAX_LENGTH]) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
