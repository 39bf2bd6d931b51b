"""The figures, their CSV and the follow-up tasks through the console API, on both stacks (the embedded
SQLite default, and PostgreSQL + Redis): a client served in Telegram rates low, the supervisor sees it in
the figures and the CSV, takes the task, records the call back and closes it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import aiohttp

from bots.app.settings import Settings
from tests.handoff.test_console_promises import client_waits, waiting_conversation
from tests.support.app import serving
from tests.support.console_user import ConsoleUser


async def test_a_low_score_shows_in_the_figures_the_csv_and_the_tasks_and_its_call_back_is_recorded(
    http: aiohttp.ClientSession, stack: Settings
) -> None:
    async with serving(stack):
        supervisor, operator = ConsoleUser(stack.base_url), ConsoleUser(stack.base_url)
        try:
            await supervisor.login("supervisor")
            await operator.login("operator")
            telegram = await client_waits(http, stack, 9701, "Клиент9701")
            conversation = await waiting_conversation(supervisor, "Клиент9701")
            await supervisor.post(f"/conversations/{conversation}/take")
            await supervisor.post(
                f"/conversations/{conversation}/messages", {"text": "Здравствуйте!"}, expect=201
            )
            await supervisor.post(f"/conversations/{conversation}/close", {"reason": "решено"})
            await telegram.replies()
            await telegram.press("2")

            since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
            until = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
            period = {"from": since, "to": until}
            figures = await supervisor.get("/figures", params=period)
            assert (figures["overall"]["csat"], figures["overall"]["counts"]["low_scores"]) == (0.0, 1)
            assert figures["by_person"]["supervisor"]["response_rate"] == 1.0
            assert figures["triggers"]["complains"] == 1

            async with supervisor.http.get(f"{supervisor.api}/figures.csv", params=period) as response:
                assert response.status == 200
                assert response.content_type == "text/csv"
                rows = list(csv.DictReader(io.StringIO(await response.text())))
            overall = next(row for row in rows if row["scope"] == "overall")
            assert (overall["csat"], overall["low_scores"]) == ("0.0", "1")
            assert {(row["scope"], row["name"]) for row in rows} >= {
                ("channel", "telegram"),
                ("person", "supervisor"),
            }

            assert (await operator.call("GET", "/tasks"))[0] == 403
            [task] = (await supervisor.get("/tasks"))["items"]
            assert (task["scale"], task["score"], task["channel"]) == ("csat", 2, "telegram")
            path = f"/tasks/{task['id']}"
            assert (await supervisor.post(f"{path}/take"))["task"]["handled_by"] == "supervisor"
            status, refused = await supervisor.call("POST", f"{path}/call", json={"outcome": "maybe"})
            assert status == 400, refused
            called = (await supervisor.post(f"{path}/call", {"outcome": "no_answer"}))["task"]
            assert (called["outcome"], called["called_at"] is not None) == ("no_answer", True)
            await supervisor.post(f"{path}/close", {"note": "перезвоним завтра"})
            assert (await supervisor.get("/tasks"))["items"] == []
            assert (await supervisor.call("POST", f"{path}/close", json={}))[0] == 409
            assert (await supervisor.call("POST", "/tasks/no-such-task/take", json={}))[0] == 404
        finally:
            await supervisor.close()
            await operator.close()
