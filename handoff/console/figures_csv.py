"""The figures as a CSV table: one row per group (overall, each channel, queue, person and day)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from aiohttp import web

SCOPES = (("channel", "by_channel"), ("queue", "by_queue"), ("person", "by_person"), ("day", "by_day"))


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # a spreadsheet must not take a person's login or a channel name for a formula
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def figures_csv(report: Mapping[str, Any]) -> web.Response:
    groups: list[tuple[str, str, Mapping[str, Any]]] = [("overall", "", report["overall"])]
    for scope, key in SCOPES:
        groups.extend((scope, name, values) for name, values in report.get(key, {}).items())
    figure_names = [name for name, value in report["overall"].items() if name != "counts"]
    count_names = list(report["overall"]["counts"])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["scope", "name", *figure_names, *count_names])
    for scope, name, values in groups:
        writer.writerow(
            [
                scope,
                _cell(name),
                *(_cell(values.get(figure)) for figure in figure_names),
                *(_cell(values["counts"].get(count)) for count in count_names),
            ]
        )
    period = f"{str(report.get('from', ''))[:10]}_{str(report.get('to', ''))[:10]}"
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="figures_{period}.csv"'},
    )
