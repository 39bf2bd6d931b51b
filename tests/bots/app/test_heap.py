"""The collector after start-up: what start-up left behind is collected, the rest frozen.

Each case runs in a process of its own: freezing is process-wide, and the test process's heap must
stay as it is for the tests after it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SETTLE = """
import gc, weakref
from bots.app.heap import YOUNG_THRESHOLD, settle, settle_again

class Node:
    pass

settle_again()
print("unsettled process left alone:", gc.get_freeze_count() == 0)

left_behind = Node()
left_behind.me = left_behind
left_behind_ref = weakref.ref(left_behind)
del left_behind
kept = Node()
settle()
print("start-up's garbage collected:", left_behind_ref() is None)
print("the rest frozen:", gc.get_freeze_count() > 0)
print("young threshold raised:", gc.get_threshold()[0] == YOUNG_THRESHOLD)

kept.me = kept
kept_ref = weakref.ref(kept)
del kept
settle_again()
print("a swapped-out bot's frozen cycle collected:", kept_ref() is None)
print("frozen again:", gc.get_freeze_count() > 0)
"""


def test_settling_collects_start_up_garbage_and_freezes_the_rest() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SETTLE], capture_output=True, text=True, cwd=ROOT, timeout=120, check=True
    )
    assert result.stdout.splitlines() == [
        "unsettled process left alone: True",
        "start-up's garbage collected: True",
        "the rest frozen: True",
        "young threshold raised: True",
        "a swapped-out bot's frozen cycle collected: True",
        "frozen again: True",
    ]
