"""The served roles' event loop: asyncio's own by default, uvloop when asked."""

from __future__ import annotations

import asyncio

import pytest

from bots.app.event_loop import new_event_loop
from bots.app.settings import Settings

uvloop = pytest.importorskip("uvloop", reason="uvloop is not installed (pip install uvloop)")


def test_asyncio_is_the_default_and_uvloop_can_be_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMNICAB_EVENT_LOOP", raising=False)
    assert Settings().event_loop == "asyncio"
    monkeypatch.setenv("OMNICAB_EVENT_LOOP", "uvloop")
    assert Settings().event_loop == "uvloop"
    monkeypatch.setenv("OMNICAB_EVENT_LOOP", "trio")
    with pytest.raises(ValueError, match="event_loop"):
        Settings()


@pytest.mark.parametrize(("name", "kind"), [("uvloop", uvloop.Loop), ("asyncio", asyncio.BaseEventLoop)])
def test_a_new_loop_is_of_the_kind_named_and_runs(name: str, kind: type) -> None:
    loop = new_event_loop(name)  # type: ignore[arg-type]
    try:
        assert isinstance(loop, kind)
        assert name != "asyncio" or not isinstance(loop, uvloop.Loop)
        assert loop.run_until_complete(asyncio.sleep(0, result="done")) == "done"
    finally:
        loop.close()
