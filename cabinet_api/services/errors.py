from __future__ import annotations


class UnknownClient(LookupError):
    """No client with the given id; raised instead of letting a foreign key fail later."""
