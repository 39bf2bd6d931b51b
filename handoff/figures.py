"""SLA and satisfaction figures from conversations: ASA, service level, handling time, CSAT.

``figures`` follows the fixed format of ``GET /console/api/figures``; what the data cannot give yet
(CES, NPS, FCR, bot resolution: issue 11) is ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from statistics import mean
from typing import Any

from cabinet_api.services import FigureRow


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return max(0.0, (later - earlier).total_seconds())


def _mean(values: Iterable[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return round(mean(present), 1) if present else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(rows: Sequence[FigureRow], *, target_seconds: float) -> dict[str, Any]:
    answered = [row for row in rows if row.first_response_at is not None]
    waits = [_seconds(row.first_response_at, row.queued_at) for row in answered]
    in_target = sum(1 for wait in waits if wait is not None and wait <= target_seconds)
    abandoned = [row for row in rows if row.closed_at is not None and row.first_response_at is None]
    closed = [row for row in rows if row.closed_at is not None]
    rated = [row.csat for row in rows if row.csat is not None]
    positive = sum(1 for score in rated if score >= 4)
    return {
        "csat": _share(positive, len(rated)),
        "rating_avg": round(mean(rated), 2) if rated else None,
        "response_rate": _share(len(rated), len(closed)),
        "ces_avg": None,
        "nps": None,
        "asa_s": _mean(waits),
        "service_level": _share(in_target, len(answered) + len(abandoned)),
        "aht_s": _mean(_seconds(row.closed_at, row.assigned_at) for row in closed if row.assigned_at),
        "fcr": None,
        "bot_resolved": None,
        "counts": {
            "conversations": len(rows),
            "answered": len(answered),
            "answered_in_target": in_target,
            "abandoned": len(abandoned),
            "closed": len(closed),
            "ratings": len(rated),
            "csat_positive": positive,
        },
    }


def grouped(
    rows: Sequence[FigureRow], key: Callable[[FigureRow], str | None], *, target_seconds: float
) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[FigureRow]] = {}
    for row in rows:
        name = key(row)
        if name is not None:
            groups.setdefault(name, []).append(row)
    return {name: figures(group, target_seconds=target_seconds) for name, group in sorted(groups.items())}


def report(rows: Sequence[FigureRow], *, target_seconds: float) -> dict[str, Any]:
    return {
        "overall": figures(rows, target_seconds=target_seconds),
        "by_channel": grouped(rows, lambda row: row.channel, target_seconds=target_seconds),
        "by_person": grouped(rows, lambda row: row.assignee_login, target_seconds=target_seconds),
    }
