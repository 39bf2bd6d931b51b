"""The embedded default keeps its inbox and outbox on disk, under the data directory."""

from __future__ import annotations

from pathlib import Path

from bots.app.backends import open_backends
from bots.app.settings import Settings


def _embedded(data_dir: Path) -> Settings:
    return Settings(
        redis_url=None, data_dir=data_dir, database_url=f"sqlite+aiosqlite:///{data_dir}/omnicab.db"
    )


async def test_without_redis_queued_messages_and_their_dedupe_marks_outlive_the_process_state(
    tmp_path: Path,
) -> None:
    backends = await open_backends(_embedded(tmp_path / "var"))
    assert await backends.inbox.put("telegram:legal:1", b"update", dedupe_id="telegram:legal:7")
    assert await backends.outbox.put("telegram:legal:1", b"reply", dedupe_id="telegram:legal:7:0")
    await backends.close()

    backends = await open_backends(_embedded(tmp_path / "var"))
    try:
        assert await backends.inbox.depth() == 1
        assert await backends.outbox.depth() == 1
        assert await backends.inbox.put("telegram:legal:1", b"update", dedupe_id="telegram:legal:7") is False
    finally:
        await backends.close()
