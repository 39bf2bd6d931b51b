"""The message pipeline: webhooks and ingest, the inbox and outbox workers, proactive notifications.

Written against the interfaces of ``bots.state``, ``adapters.types`` and the cabinet's services;
nothing here knows which backend or which channel it holds.
"""
