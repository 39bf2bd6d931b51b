"""The fake Telegram alone, in a process of its own: ``python -m tests.support.platform PORT``.

The app under test talks to it through ``OMNICAB_TELEGRAM_API_BASE``, so what the bots sent
survives the app being killed, and several app processes share one platform.
"""

from __future__ import annotations

import sys

from aiohttp import web

from bots.demo.telegram import FakeTelegram


def main(port: int) -> None:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    FakeTelegram().mount(app, "/fake/telegram")
    print(f"platform on 127.0.0.1:{port}", flush=True)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


if __name__ == "__main__":
    main(int(sys.argv[1]))
