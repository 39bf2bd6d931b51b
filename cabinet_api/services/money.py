"""Roubles as ``Decimal`` outside, whole kopecks inside the database."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

KOPECK = Decimal("0.01")


def to_kopecks(amount: Decimal) -> int:
    """ValueError for a non-positive amount or one with fractions of a kopeck."""
    try:
        exact = amount.quantize(KOPECK)
    except InvalidOperation:
        raise ValueError("amount is not a number of roubles") from None
    if exact != amount or not amount.is_finite():
        raise ValueError("amount has fractions of a kopeck")
    if amount <= 0:
        raise ValueError("amount must be positive")
    return int(exact * 100)


def to_roubles(kopecks: int) -> Decimal:
    return (Decimal(kopecks) / 100).quantize(KOPECK)
