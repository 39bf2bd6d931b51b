"""SLA figures on ``/metrics``: ASA and handling time histograms, answers within the service-level target,
and the live queue lengths, per channel and person; the rating cascade's counters; and today's figures
(CSAT, NPS, CES, FCR, bot resolution, ...) as gauges per channel and queue, refreshed by the desk's tick
(registered on the app's Prometheus registry)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

WAIT_BUCKETS = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 4 * 3600.0, 24 * 3600.0)


class HandoffMetrics:
    def __init__(
        self, registry: CollectorRegistry | None = None, *, service_level_seconds: float = 60.0
    ) -> None:
        r = registry if registry is not None else CollectorRegistry()
        self.service_level_seconds = service_level_seconds
        self.asa = Histogram(
            "omnicab_handoff_answer_seconds",
            "From queued to the first person's reply (ASA)",
            ["channel", "person"],
            buckets=WAIT_BUCKETS,
            registry=r,
        )
        self.answered = Counter(
            "omnicab_handoff_answered",
            "Conversations answered by a person",
            ["channel", "person"],
            registry=r,
        )
        self.answered_in_target = Counter(
            "omnicab_handoff_answered_in_target",
            "Conversations answered within the service-level target",
            ["channel", "person"],
            registry=r,
        )
        self.handling = Histogram(
            "omnicab_handoff_handling_seconds",
            "From assignment to close (AHT)",
            ["channel", "person"],
            buckets=WAIT_BUCKETS,
            registry=r,
        )
        self.waiting = Gauge(
            "omnicab_handoff_waiting", "Conversations waiting in a queue", ["queue"], registry=r
        )
        self.longest_wait = Gauge(
            "omnicab_handoff_longest_wait_seconds", "The longest wait in a queue now", ["queue"], registry=r
        )
        self.service_level_target = Gauge(
            "omnicab_handoff_service_level_target_seconds", "The service-level target", registry=r
        )
        self.service_level_target.set(service_level_seconds)
        self.ratings = Counter(
            "omnicab_ratings",
            "Scores clients gave, by scale and channel",
            ["scale", "channel", "score"],
            registry=r,
        )
        self.rating_requests = Counter(
            "omnicab_rating_requests",
            "Steps of the rating cascade: asked, reminded, call",
            ["step", "channel"],
            registry=r,
        )
        self.follow_ups = Counter(
            "omnicab_follow_up_tasks_opened", "Follow-up tasks low scores opened", ["scale"], registry=r
        )
        self.figure = Gauge(
            "omnicab_figure",
            "Today's figures (local business day): csat, nps, ces_avg, fcr, bot_resolved, ...",
            ["figure", "scope", "name"],
            registry=r,
        )

    def first_reply(self, channel: str, person: str, waited: float) -> None:
        self.asa.labels(channel, person).observe(waited)
        self.answered.labels(channel, person).inc()
        if waited <= self.service_level_seconds:
            self.answered_in_target.labels(channel, person).inc()

    def closed(self, channel: str, person: str, handled: float) -> None:
        self.handling.labels(channel, person).observe(handled)

    def queues(self, waits: Iterable[tuple[str, int, float]]) -> None:
        """(queue, waiting, longest wait in seconds) for every queue."""
        for queue, waiting, longest in waits:
            self.waiting.labels(queue).set(waiting)
            self.longest_wait.labels(queue).set(longest)

    def figures(self, report: Mapping[str, Any]) -> None:
        """Today's figures from a ``handoff.figures.report``: overall, per channel and per queue."""
        scopes: list[tuple[str, str, Mapping[str, Any]]] = [("overall", "", report["overall"])]
        scopes += [("channel", name, values) for name, values in report["by_channel"].items()]
        scopes += [("queue", name, values) for name, values in report["by_queue"].items()]
        for scope, name, values in scopes:
            for figure, value in values.items():
                if figure != "counts" and isinstance(value, int | float):
                    self.figure.labels(figure, scope, name).set(value)
