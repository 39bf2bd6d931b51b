"""What the simulator shows a bot designer about the bot being tried: its flow graph, and whether
the last edit of its YAML loaded (live reload, :mod:`bots.app.reload`) or which errors keep the
previous version answering.

``GET /studio/bots/{bot}/graph`` (SVG; ``?format=mermaid`` for Mermaid text) and
``GET /studio/bots/{bot}/status`` (JSON: ``version`` and ``errors`` with file, line and column).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from aiohttp import web

from bots.app.factory import SERVICES, Services
from dialogs.errors import LoadError
from dialogs.graph import flow_graph
from dialogs.graph_mermaid import mermaid
from dialogs.graph_svg import svg

_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


def _services(request: web.Request) -> Services:
    services = request.app.get(SERVICES)
    if services is None:
        raise web.HTTPServiceUnavailable(text="starting")
    return services


def _bot(request: web.Request, services: Services) -> str:
    name = request.match_info["bot"]
    if name not in services.runtimes:
        known = ", ".join(sorted(services.runtimes))
        raise web.HTTPNotFound(text=f"Бота «{name}» нет / there is no bot '{name}' (known: {known})")
    return name


async def _graph(request: web.Request) -> web.Response:
    services = _services(request)
    graph = flow_graph(services.runtimes[_bot(request, services)].compiled)
    if request.query.get("format") == "mermaid":
        return web.Response(text=mermaid(graph), content_type="text/plain", headers=_HEADERS)
    return web.Response(text=svg(graph), content_type="image/svg+xml", headers=_HEADERS)


async def _status(request: web.Request) -> web.Response:
    services = _services(request)
    name = _bot(request, services)
    reloader = services.reloader
    errors = reloader.errors.get(name, ()) if reloader is not None else ()
    directory = reloader.directories.get(name) if reloader is not None else None
    return web.json_response(
        {
            "bot": name,
            "version": reloader.versions.get(name, 1) if reloader is not None else 1,
            "errors": [_error(error, directory) for error in errors],
        },
        headers=_HEADERS,
    )


def _error(error: LoadError, directory: Path | None) -> dict[str, object]:
    """The file relative to the bot's parent directory: ``legal/flows/main.yaml``."""
    file = error.file
    if directory is not None:
        with contextlib.suppress(ValueError):
            file = str(Path(error.file).relative_to(directory.parent))
    return {
        "file": file,
        "line": error.line,
        "column": error.column,
        "message": error.message,
        "text": f"{file}:{error.line}:{error.column}: {error.message}",
    }


def mount_studio(app: web.Application) -> None:
    app.router.add_get("/studio/bots/{bot}/graph", _graph)
    app.router.add_get("/studio/bots/{bot}/status", _status)
