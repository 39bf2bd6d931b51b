"""The platform's ceiling kept right before each call: a full window holds a call, a paced one never."""

from __future__ import annotations

import pytest

from bots.pipeline.call_window import ARRIVAL_SLACK_SECONDS, CallWindow


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_calls_at_their_pace_are_never_held() -> None:
    clock = Clock()
    window = CallWindow(30, 1.0, clock=clock)
    for _ in range(27 * 60):
        assert window.wait() == 0.0
        clock.now += 1 / 27


def test_a_bunch_that_would_break_the_ceiling_is_held_until_the_window_opens() -> None:
    clock = Clock()
    window = CallWindow(30, 1.0, clock=clock)
    for _ in range(29):
        assert window.wait() == 0.0
        clock.now += 0.03
    first = 100.0
    assert window.wait() == 0.0, "the 30th call in the second still fits"
    held = window.wait()
    assert held == pytest.approx(first + 1.0 + ARRIVAL_SLACK_SECONDS - clock.now)
    clock.now += held
    assert window.wait() == 0.0


def test_viber_counts_ten_seconds() -> None:
    clock = Clock()
    window = CallWindow(500, 10.0, clock=clock)
    for _ in range(500):
        assert window.wait() == 0.0
    clock.now += 9.9
    assert window.wait() > 0.0
    clock.now += 0.3
    assert window.wait() == 0.0


def test_a_window_needs_a_call_and_a_length() -> None:
    with pytest.raises(ValueError, match="at least one call and a positive length"):
        CallWindow(0, 1.0)
    with pytest.raises(ValueError, match="at least one call and a positive length"):
        CallWindow(1, 0.0)
