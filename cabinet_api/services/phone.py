"""Phone numbers as E.164 (``+79161234567``), whatever form a channel gives them in."""

from __future__ import annotations

import re

_NOT_DIGITS = re.compile(r"\D")


def normalize_phone(raw: str) -> str | None:
    """E.164 form of ``raw``, or None when it cannot be a phone number.

    Without a leading ``+``, Russian domestic forms are understood: ``8 916 ...`` and a bare
    ten-digit ``916 ...`` both mean ``+7 916 ...``.
    """
    stripped = raw.strip()
    digits = _NOT_DIGITS.sub("", stripped)
    if not stripped.startswith("+"):
        if len(digits) == 11 and digits.startswith("8"):
            digits = "7" + digits[1:]
        elif len(digits) == 10 and digits.startswith("9"):
            digits = "7" + digits
    if not 8 <= len(digits) <= 15 or digits.startswith("0"):
        return None
    return "+" + digits
