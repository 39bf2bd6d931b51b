"""Demo mode: fake Telegram, Viber and WhatsApp inside the app, and the simulator page that drives them.

Only the CLI imports this package, and only for ``--demo``; no production module knows it (an
import-linter contract checks that). Its names load on first use, so a module of the package that
needs none of the channel SDKs (``bots.demo.standalone``, the platform stand-in) starts quickly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bots.demo.channels import DemoChannels
    from bots.demo.mode import DemoMode
    from bots.demo.registry import DemoBots

__all__ = ["DemoBots", "DemoChannels", "DemoMode"]


def __getattr__(name: str) -> Any:
    if name == "DemoMode":
        from bots.demo.mode import DemoMode

        return DemoMode
    if name == "DemoChannels":
        from bots.demo.channels import DemoChannels

        return DemoChannels
    if name == "DemoBots":
        from bots.demo.registry import DemoBots

        return DemoBots
    raise AttributeError(f"module 'bots.demo' has no attribute {name!r}")
