"""What live mode refuses to start with: settings that let anyone who read the source in."""

from __future__ import annotations

from bots.app.settings import DEFAULT_SECRET_KEY, MIN_DATA_KEY_LENGTH, MIN_SECRET_KEY_LENGTH, Settings


class UnsafeSettings(ValueError):
    """One line that names the variable to fix."""


def refuse_unsafe_settings(settings: Settings) -> None:
    """Raise UnsafeSettings in live mode when the secret key is the public default or short.

    Everything derived from the key (the Telegram webhook secret, link signatures) is then as
    secret as the key itself; with the shipped default anyone could compute them.
    """
    if settings.demo:
        return
    key = settings.secret_key.get_secret_value()
    if key == DEFAULT_SECRET_KEY:
        raise UnsafeSettings(
            "OMNICAB_SECRET_KEY is the public default; set a random value of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters (e.g. from: openssl rand -base64 48)"
        )
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise UnsafeSettings(
            f"OMNICAB_SECRET_KEY has {len(key)} characters; live mode needs at least {MIN_SECRET_KEY_LENGTH}"
        )
    refuse_missing_data_key(settings)


def refuse_missing_data_key(settings: Settings) -> None:
    """Refunds (in the chat and through the REST API) keep payout numbers, sealed with this key."""
    if settings.demo:
        return
    if settings.data_key is not None:
        keys = [key.strip() for key in settings.data_key.get_secret_value().split(",")]
        if all(len(key) >= MIN_DATA_KEY_LENGTH for key in keys):
            return
        raise UnsafeSettings(f"every key in OMNICAB_DATA_KEY needs at least {MIN_DATA_KEY_LENGTH} characters")
    raise UnsafeSettings(
        "OMNICAB_DATA_KEY is not set; live mode encrypts refund payout numbers with it "
        f"(a random value of at least {MIN_DATA_KEY_LENGTH} characters, kept apart from database backups)"
    )
