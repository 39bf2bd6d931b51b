"""What a person may be refused in the console."""

from __future__ import annotations


class Forbidden(PermissionError):
    """Outside the person's role or queues."""
