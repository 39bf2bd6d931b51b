from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from dialogs.model import CompiledBot
from tests.dialogs.harness import PROJECT_ROOT, load_lab, load_legal


@pytest.fixture(scope="session")
def lab_bot() -> CompiledBot:
    return load_lab()


@pytest.fixture(scope="session")
def legal_bot() -> CompiledBot:
    return load_legal()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def action_server_url() -> Iterator[str]:
    """A real rasa-sdk action server serving tests.dialogs.sample_actions on 127.0.0.1."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "tests.dialogs.sample_actions", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "SANIC_HOST": "127.0.0.1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the rasa-sdk action server did not start", pytrace=False)
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
