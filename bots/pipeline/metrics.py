"""Prometheus metrics, one registry per app so several apps can live in one test process."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.webhooks = Counter(
            "omnicab_webhook_requests",
            "Webhook requests by outcome",
            ["bot", "channel", "outcome"],
            registry=r,
        )
        self.inbound = Counter(
            "omnicab_inbound_events", "Inbound events handled", ["channel", "kind"], registry=r
        )
        self.outbound = Counter(
            "omnicab_outbound_messages",
            "Outbound messages by final status",
            ["channel", "status"],
            registry=r,
        )
        self.outbox_unknown = Counter(
            "omnicab_outbox_unknown",
            "Sends whose outcome is unknown (the request may have reached the platform); not repeated",
            ["channel"],
            registry=r,
        )
        self.dead_letters = Counter(
            "omnicab_dead_letters", "Events and sends dead-lettered after every attempt", ["kind"], registry=r
        )
        self.send_retries = Counter("omnicab_send_retries", "Platform calls retried", ["channel"], registry=r)
        self.ceiling_holds = Counter(
            "omnicab_ceiling_holds",
            "Calls held because this process's calls filled the platform's own window",
            ["channel"],
            registry=r,
        )
        self.turn_seconds = Histogram(
            "omnicab_turn_seconds",
            "Inbound event processing time",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.reply_seconds = Histogram(
            "omnicab_reply_latency_seconds",
            "From webhook receipt to the platform accepting the reply",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.handoffs = Counter(
            "omnicab_handoff_requests", "Handoff requests", ["queue", "reason"], registry=r
        )
        self.queue_depth = Gauge("omnicab_queue_depth", "Items waiting", ["queue"], registry=r)

    async def handle(self, request: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(self.registry), headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4}
        )
