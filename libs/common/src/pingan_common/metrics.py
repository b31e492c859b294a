"""Prometheus metrics, defined once per process and labelled by service."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUEST_SECONDS = Histogram(
    "pingan_http_request_duration_seconds",
    "HTTP request latency by route template and status",
    ["service", "method", "route", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_PRODUCED = Counter(
    "pingan_events_produced_total", "Events published to the broker", ["service", "type"]
)
EVENTS_CONSUMED = Counter(
    "pingan_events_consumed_total",
    "Events taken from the broker, by outcome (applied, duplicate, ignored)",
    ["service", "group", "type", "outcome"],
)
EVENTS_RETRIED = Counter(
    "pingan_events_retried_total",
    "Handler attempts that failed and were retried",
    ["service", "group", "type"],
)
EVENTS_DEAD_LETTERED = Counter(
    "pingan_events_dead_lettered_total",
    "Events sent to a dead-letter topic",
    ["service", "group", "type"],
)
HANDLER_SECONDS = Histogram(
    "pingan_event_handler_duration_seconds",
    "Time to apply one event, transaction included",
    ["service", "group", "type"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5),
)
CONSUMER_LAG = Gauge(
    "pingan_consumer_lag_messages",
    "Messages behind the high watermark",
    ["service", "group", "topic", "partition"],
)
OUTBOX_BACKLOG = Gauge("pingan_outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "pingan_outbox_oldest_unsent_age_seconds",
    "Age of the oldest unpublished outbox row",
    ["service"],
)
OUTBOX_PUBLISH_FAILURES = Counter(
    "pingan_outbox_publish_failures_total", "Relay batches that failed to publish", ["service"]
)
REQUESTS_THROTTLED = Counter(
    "pingan_requests_throttled_total",
    "Requests refused with 429: over a client's rate, or from an address locked out",
    ["service", "reason"],
)
CREDENTIAL_LOCKOUTS = Counter(
    "pingan_credential_lockouts_total",
    "Client addresses locked out after repeated wrong API keys or callback tokens",
    ["service"],
)
