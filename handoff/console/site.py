"""``/console/``: the console's pages, plain files from ``static/``, and the API mounted under ``api/``."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).resolve().parent / "static"
INDEX = "index.html"
NO_CACHE = {"Cache-Control": "no-cache"}
STATIC_ROOT = web.AppKey("console_static_root", Path)


def create_console_site(
    api: web.Application | None = None, *, static_dir: Path = STATIC_DIR
) -> web.Application:
    """The console app for ``/console``; ``api`` is mounted under ``/console/api``."""
    site = web.Application()
    site[STATIC_ROOT] = static_dir.resolve()
    site.router.add_get("/", _index)
    site.router.add_get("/static/{path:.+}", _static)
    if api is not None:
        site.add_subapp("/api", api)
    return site


def _file(root: Path, relative: str) -> web.FileResponse:
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(candidate, headers=NO_CACHE)


async def _index(request: web.Request) -> web.FileResponse:
    return _file(request.app[STATIC_ROOT], INDEX)


async def _static(request: web.Request) -> web.FileResponse:
    return _file(request.app[STATIC_ROOT], request.match_info["path"])
