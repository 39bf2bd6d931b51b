"""``/console/`` serves the console's pages as plain files from its static directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from handoff.console import create_console_site


@pytest.fixture
async def console(tmp_path: Path) -> TestClient[web.Request, web.Application]:
    (tmp_path / "index.html").write_text("<!doctype html><title>Консоль</title>", encoding="utf-8")
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "app.js").write_text("console.log('ok')", encoding="utf-8")
    (tmp_path.parent / "secret.txt").write_text("not for the web", encoding="utf-8")
    root = web.Application()
    root.add_subapp("/console", create_console_site(static_dir=tmp_path))
    client = TestClient(TestServer(root))
    await client.start_server()
    yield client
    await client.close()


async def test_the_console_page_and_its_files_are_served(
    console: TestClient[web.Request, web.Application],
) -> None:
    page = await console.get("/console/")
    script = await console.get("/console/static/js/app.js")

    assert page.status == 200
    assert "Консоль" in await page.text()
    assert page.headers["Cache-Control"] == "no-cache"
    assert script.status == 200
    assert "javascript" in script.headers["Content-Type"]


@pytest.mark.parametrize(
    "path",
    ["/console/static/../../secret.txt", "/console/static/%2e%2e/secret.txt", "/console/static/missing.css"],
)
async def test_nothing_outside_the_static_directory_is_served(
    console: TestClient[web.Request, web.Application], path: str
) -> None:
    response = await console.get(path)

    assert response.status == 404
