from __future__ import annotations

import pytest

from cabinet_api.services import normalize_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+7 (916) 123-45-67", "+79161234567"),
        ("79161234567", "+79161234567"),
        ("8 916 123 45 67", "+79161234567"),
        ("9161234567", "+79161234567"),
        ("+380 44 123 4567", "+380441234567"),
        ("+44 20 7946 0958", "+442079460958"),
        ("12345", None),
        ("not a phone", None),
        ("+0123456789", None),
    ],
)
def test_normalize_phone(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected
