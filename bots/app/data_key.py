"""The cipher that seals what the business needs in full (refund payout numbers)."""

from __future__ import annotations

from bots.app.live_checks import UnsafeSettings
from bots.app.settings import Settings
from cabinet_api.crypto import DataCipher


def data_cipher(settings: Settings) -> DataCipher:
    """The cipher of ``OMNICAB_DATA_KEY``; demo mode without one uses the development key."""
    if settings.data_key is None:
        return DataCipher.development()
    try:
        return DataCipher.from_setting(settings.data_key.get_secret_value())
    except ValueError as error:
        raise UnsafeSettings(str(error)) from None
