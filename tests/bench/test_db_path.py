"""bench/db_path.py on a few conversations: both ways run, and the direct one never falls back."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


async def test_both_ways_report_their_cpu_and_the_direct_one_never_falls_back(postgres_url: str) -> None:
    env = dict(os.environ) | {
        "OMNICAB_BENCH_POSTGRES": postgres_url.replace("postgresql+asyncpg://", "postgresql://"),
        "PYTHONPATH": str(ROOT),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bench" / "db_path.py"),
        *("--conversations", "3", "--messages", "2", "--rounds", "1"),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 300)
    text = output.decode()
    assert process.returncode == 0, text[-4000:]
    direct = re.search(r"asyncpg directly: ([\d.]+) ms CPU per message, \d+ messages/s, 0 groups ran", text)
    layered = re.search(r"SQLAlchemy's asyncio layer: ([\d.]+) ms CPU per message", text)
    assert direct is not None, text
    assert layered is not None, text
    assert float(direct.group(1)) > 0
    assert float(layered.group(1)) > 0
