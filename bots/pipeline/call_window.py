"""The platform's own ceiling on calls, kept by this process right before each call.

The outbox paces a bot under the platform's rate before it writes a send's intent, so the intent's
write cannot be waited on between the intent and the call (a process killed there leaves an
"unknown" that was never sent). But a slow write can hold a paced call and let it out together with
the next ones: a group commit that takes 200 ms under load bunches six Telegram calls paced 37 ms
apart. The platform counts any sliding window (Telegram 30 calls in a second, WhatsApp 80, Viber 500
in ten), so this window counts the calls this process made to one bot and holds a call only while
the window is full: rare, short, and never when the calls leave at their pace.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

ARRIVAL_SLACK_SECONDS = 0.1
"""Calls leave here and arrive there up to this much apart; the window is taken that much longer.

Measured with ``bench/broadcast.py --clients 1500`` (1,500 WhatsApp greetings queued at once, the
fake platforms in the app's own event loop): 50 ms let 3 and 32 calls arrive over WhatsApp's 80 in
a second, 100 ms 0 and 1, 150 ms 0 and 2. 100 ms is also the most that never holds a call leaving
at its pace (Telegram 27 a second in 1.1 s is 29.7 of 30; WhatsApp 72 is 79.2 of 80)."""


class CallWindow:
    """At most ``calls`` calls in any ``seconds`` (plus the arrival slack), counted as they leave."""

    def __init__(self, calls: int, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if calls < 1 or seconds <= 0:
            raise ValueError("a call window needs at least one call and a positive length")
        self.calls = calls
        self.span = seconds + ARRIVAL_SLACK_SECONDS
        self._clock = clock
        self._left: deque[float] = deque(maxlen=calls)

    def wait(self) -> float:
        """Seconds until a call may leave; 0 takes the call's place in the window at once."""
        now = self._clock()
        if len(self._left) == self.calls:
            opens_at = self._left[0] + self.span
            if opens_at > now:
                return opens_at - now
        self._left.append(now)
        return 0.0
