"""Live mode as an attacker finds it: no default secrets, no public metrics, no simulator or fakes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr

from bots.app.cli import main
from bots.app.settings import DEFAULT_SECRET_KEY, Settings
from tests.support.app import free_port, serving

ROOT = Path(__file__).resolve().parents[3]
LONG_SECRET = "s3cr3t-" + "x" * 40
DATA_KEY = "d4t4-" + "y" * 40


def _live_environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OMNICAB_")}
    return env | {
        "OMNICAB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'live.db'}",
        "OMNICAB_DATA_DIR": str(tmp_path),
        "OMNICAB_PORT": str(free_port()),
        **variables,
    }


def test_the_command_refuses_the_shipped_key_in_one_line_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bots.app.cli", "run"],
        capture_output=True,
        text=True,
        env=_live_environment(tmp_path),
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], "one line"
    assert "OMNICAB_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == "", "nothing was served"


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"OMNICAB_SECRET_KEY": DEFAULT_SECRET_KEY}, "OMNICAB_SECRET_KEY"),
        ({"OMNICAB_SECRET_KEY": "short-but-not-default"}, "OMNICAB_SECRET_KEY"),
        ({"OMNICAB_SECRET_KEY": LONG_SECRET}, "OMNICAB_DATA_KEY"),
        ({"OMNICAB_SECRET_KEY": LONG_SECRET, "OMNICAB_DATA_KEY": "short"}, "OMNICAB_DATA_KEY"),
    ],
    ids=["default", "short", "no-data-key", "short-data-key"],
)
def test_live_mode_refuses_to_start_with_a_guessable_key(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variables: dict[str, str],
    named: str,
) -> None:
    for key in [key for key in os.environ if key.startswith("OMNICAB_")]:
        monkeypatch.delenv(key)
    for key, value in _live_environment(tmp_path, **variables).items():
        monkeypatch.setenv(key, value)

    assert main(["run"]) == 2

    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert named in lines[0]
    assert captured.out == ""


def _live_settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(
        demo=False,
        host="127.0.0.1",
        port=free_port(),
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'live.db'}",
        data_dir=tmp_path / "var",
        secret_key=SecretStr(LONG_SECRET),
        data_key=SecretStr(DATA_KEY),
        **extra,
    )


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[str]:
    settings = _live_settings(tmp_path)
    async with serving(settings):
        yield settings.base_url


async def test_live_mode_serves_no_metrics_simulator_or_fake_platforms(
    http: aiohttp.ClientSession, live: str
) -> None:
    studio = ("/studio/bots/legal/graph", "/studio/bots/legal/status")
    for path in ("/metrics", "/", "/fake/telegram/outbox", "/fake/whatsapp/outbox", *studio):
        async with http.get(live + path) as response:
            assert response.status == 404, path
    async with http.post(live + "/fake/telegram/updates", json={"update_id": 1}) as response:
        assert response.status in (404, 405)
    async with http.get(live + "/healthz") as response:
        assert response.status == 200


async def test_metrics_answer_a_scraper_with_the_token_only(
    http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    settings = _live_settings(tmp_path, metrics_token=SecretStr("scrape-token-0123456789"))
    async with serving(settings):
        url = settings.base_url + "/metrics"
        async with http.get(url) as response:
            assert response.status == 401
        async with http.get(url, headers={"Authorization": "Bearer wrong"}) as response:
            assert response.status == 401
        async with http.get(url, headers={"Authorization": "Bearer scrape-token-0123456789"}) as response:
            assert response.status == 200
            assert "omnicab" in await response.text()


async def test_metrics_are_public_when_the_setting_says_so(
    http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    settings = _live_settings(tmp_path, metrics_public=True)
    async with serving(settings), http.get(settings.base_url + "/metrics") as response:
        assert response.status == 200
