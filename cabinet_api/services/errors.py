from __future__ import annotations

from decimal import Decimal


class UnknownClient(LookupError):
    """No client with the given id; raised instead of letting a foreign key fail later."""


class NotFound(LookupError):
    """No object with this public id."""

    def __init__(self, kind: str, public_id: str) -> None:
        super().__init__(f"{kind} not found")
        self.kind = kind
        self.public_id = public_id


class NotOwned(NotFound):
    """The object exists but belongs to another client; callers answer exactly as for a missing one."""


class RequestClosed(ValueError):
    """Only open requests (new, in work) take comments and files."""


class InvalidTransition(ValueError):
    def __init__(self, kind: str, current: str, wanted: str) -> None:
        super().__init__(f"{kind} cannot go from {current} to {wanted}")
        self.current = current
        self.wanted = wanted


class RefundAmountExceeded(ValueError):
    """More than the payment still allows to refund; ``refundable`` says how much does."""

    def __init__(self, refundable: Decimal) -> None:
        super().__init__(f"at most {refundable} can be refunded")
        self.refundable = refundable


class LinkExpired(LookupError):
    """A genuine signed link to a file whose lifetime is over."""
