"""The simulator page at ``/``: chat with a demo bot as a Telegram, Viber or WhatsApp user.

Each tab only talks to its fake platform under ``/fake/{telegram,viber,whatsapp}/`` (updates in
the platform's webhook format, the outbox of the bot's API calls out), so every message takes the
same webhook path a real platform's update takes.
"""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp import web

WEB_DIR = Path(__file__).resolve().parent

_ASSET_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\.(?:css|js|svg)")
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
_COMMON_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
# Bot files may be plain http(s) URLs (recordings, documents), so media and images may come from anywhere.
_PAGE_HEADERS = {
    **_COMMON_HEADERS,
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: http: https:; media-src 'self' http: https:; "
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
}


def _file_response(path: Path, headers: dict[str, str]) -> web.FileResponse:
    return web.FileResponse(path, headers={**headers, "Content-Type": _CONTENT_TYPES[path.suffix]})


async def _page(request: web.Request) -> web.FileResponse:
    return _file_response(WEB_DIR / "simulator.html", _PAGE_HEADERS)


async def _asset(request: web.Request) -> web.FileResponse:
    name = request.match_info["name"]
    path = WEB_DIR / name
    if not _ASSET_NAME.fullmatch(name) or not path.is_file():
        raise web.HTTPNotFound()
    return _file_response(path, _COMMON_HEADERS)


def mount_simulator(app: web.Application) -> None:
    """Serve the simulator at ``/`` and its stylesheet, scripts and icons at ``/static/{name}``."""
    app.router.add_get("/", _page, name="simulator")
    app.router.add_get("/static/{name}", _asset, name="simulator-asset")
